#!/usr/bin/env python3
"""Benchmark of the batch printing of reminder letters.

Usage::

    python3 tools/benchmark.py --invoices 10000 --database bench   # builds the ledger
    python3 tools/benchmark_letters.py --database bench --letters 500

On a database built by ``tools/benchmark.py``: runs the escalation (not
measured) so that letters wait to be printed, then measures
``account.dunning.action.action_print_letters()`` on ``--letters`` of them: wall
time, wkhtmltopdf calls, pages, size of the batch PDF, letters filed. An HTTP
server runs in this process so that wkhtmltopdf gets the report CSS as in
production. Everything is rolled back.
"""

import argparse
import cProfile
import datetime
import pstats
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark import default_addons_path  # noqa: E402

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pdf_pages(raw):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(raw)
        pdf.flush()
        info = subprocess.run(
            ["pdfinfo", pdf.name], capture_output=True, text=True, check=True
        ).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if "Pages" in line))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--date", default=datetime.date.today().isoformat())
    parser.add_argument("--profile", help="write a cProfile of the printing here")
    args = parser.parse_args()
    port = free_port()
    odoo.tools.config.parse_config(
        [
            f"--addons-path={default_addons_path()}",
            "--log-level=warn",
            f"--http-port={port}",
            f"--database={args.database}",
        ],
        setup_logging=True,
    )
    odoo.service.server.ThreadedServer(odoo.http.root).http_spawn()
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{port}")
        Action = env["account.dunning.action"]
        letters = Action.search(
            [("channel", "=", "letter"), ("state", "=", "to_send")],
            limit=args.letters,
        )
        if len(letters) < args.letters:
            print("Running the escalation so that letters wait to be printed...")
            started = time.perf_counter()
            run = env["account.dunning.run"].create(
                {"company_id": env.company.id, "date": args.date}
            )
            run.action_run()
            print(f"    escalation: {time.perf_counter() - started:.1f} s")
            letters = Action.search(
                [("channel", "=", "letter"), ("state", "=", "to_send")],
                limit=args.letters,
            )
        print(f"Printing {len(letters)} letters of {len(letters.partner_id)} customers")
        Report = type(env["ir.actions.report"])
        original = Report._run_wkhtmltopdf
        calls = []

        def counted(self, *a, **kw):
            calls.append(1)
            return original(self, *a, **kw)

        Report._run_wkhtmltopdf = counted
        queries = cr.sql_log_count
        started = time.perf_counter()
        profiler = cProfile.Profile() if args.profile else None
        try:
            if profiler:
                profiler.enable()
            download = letters.action_print_letters()
        finally:
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
                pstats.Stats(args.profile).sort_stats("cumulative").print_stats(30)
            Report._run_wkhtmltopdf = original
        seconds = time.perf_counter() - started
        batch = env["ir.attachment"].browse(
            int(download["url"].split("/")[3].split("?")[0])
        )
        filed = letters.filtered(lambda a: a.state == "done" and a.letter_attachment_id)
        print(
            f"    {seconds:.1f} s, {len(calls)} wkhtmltopdf call(s), "
            f"{cr.sql_log_count - queries} queries, batch PDF "
            f"{pdf_pages(batch.raw)} pages / {len(batch.raw) / 1e6:.1f} MB, "
            f"{len(filed)} letters filed with their own PDF"
        )
        cr.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
