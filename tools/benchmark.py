#!/usr/bin/env python3
"""Benchmark of the dunning escalation (``account.dunning.run``) at scale.

Usage::

    python3 tools/benchmark.py --invoices 10000 [--customers N] [--database NAME]
        [--template-db NAME] [--date YYYY-MM-DD] [--pdf-ratio R] [--batch-size N]
        [--repeat N] [--no-email-compare] [--no-attach] [--profile [FILE]]
        [--log-sql [FILE]] [--keep] [--drop] [--update] [--addons-path PATH]
        [--workers N] [--escalation-only] [--orm-notes] [--pdf-step N]
    python3 tools/benchmark.py --wizard 1000 [--customers N] [--database NAME]
        [--template-db NAME] [--repeat N] [--profile [FILE]] [--drop]
    python3 tools/benchmark.py --dashboard --invoices 50000 [--database NAME]
        [--template-db NAME] [--repeat N]

1. Creates the database when it does not exist (``l10n_fr_account`` and
   ``account_dunning`` installed, no demo data), either from scratch or with
   ``--template-db`` as a copy of a prepared database.
2. Builds the data set once (setup, not measured): ``--customers`` companies
   (default invoices / 5) and ``--invoices`` posted customer invoices whose due
   dates spread from 60 days overdue to 10 days ahead of the run date.  A few
   invoices are created and posted through the ORM as templates, then cloned in
   bulk with SQL (moves, lines and their many2many rows).  Each customer has a
   "band" (the level most of its invoices reach); invoices already past a level
   carry the previous level as if earlier runs had happened, so that every level
   of the policy gets work (an invoice climbs one level per run).  The data set
   is committed and tagged with an ``ir.config_parameter``: the next call with
   the same arguments reuses it; other arguments drop and rebuild the database.
3. Measures ``run.action_run()`` as of the run date in a fresh transaction:
   wall clock, SQL queries (``cr.sql_log_count``, which Odoo 18 increments on
   every ``Cursor.execute``), peak RSS of the process during the run (VmHWM,
   reset before the run) and the run's counters; the two parts of the run
   apart (escalation = ``_escalate_batch``: deciding and recording every
   reminder; emails/SMS = ``_deliver_batch``: composing the queued ones);
   time and queries per engine step (email rendering =
   ``mail.template.send_mail_batch``) and per batch; the
   most repeated query shapes.  The transaction is rolled back (``--keep``
   commits it), so the benchmark can be re-run on the same data.  A second
   measurement runs with the email levels switched to letter only, which
   isolates the cost of the email channel.  ``--profile`` adds a cProfile run.
   ``--workers N`` splits the run into N parts, as the nightly cron workers
   share a night, each measured by its own process, all started together (each
   part in its own transaction, rolled back); ``--escalation-only`` leaves the
   emails queued (the escalation alone).  When invoices lack their PDF
   (``--pdf-ratio`` under 1), an HTTP server runs in this process so that
   wkhtmltopdf gets the report CSS as in production; the emails waiting for
   PDFs after the run are counted, and ``--pdf-step N`` then measures the
   later step of the job that renders them, on N invoices (one call of
   ``account.dunning.invoice.pdf._cron_render``, in the same transaction).

``--wizard N`` measures the opening of the "Relancer" wizard instead: a data set
of N open invoices, all overdue, over N / 10 customers (same builder), then, as
the web client does, ``action_dunning_wizard()`` on the N invoices followed by
the ``onchange()`` call that fills the new wizard (default_get and computes of
the lines), reading every line; the first opening also loads the views through
``odoo.tests.Form``.  Seconds and queries of each opening are printed.

``--dashboard`` times the dashboard's reports instead (the SQL views
``account.dunning.report.*``): on the data set of ``--invoices`` invoices, the
``read_group`` the web client makes for each report's graph or pivot, as a
credit controller of the company (its company rule applied), ``--repeat``
times (at least 3) after a first call; the best seconds and the queries of
each are printed against the budget of 1 s.  The addon is updated first when
the database lacks a report's view.

Nothing of the addon is modified: the per-step timers wrap methods of the
registry classes of this process only.
"""

import argparse
import base64
import contextlib
import cProfile
import datetime
import gc
import io
import json
import logging
import os
import platform
import pstats
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from contextlib import closing
from pathlib import Path

import psycopg2

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import SQL

REPO = Path(__file__).resolve().parent.parent
MODULE = "account_dunning"
LINK_DIR = REPO / ".build" / "addons"
INSTALL = f"l10n_fr_account,{MODULE}"
MARKER = "account_dunning.benchmark_dataset"
DATASET_VERSION = 5
SEED = 20250117
N_TEMPLATES = 30
NAME_PREFIX = "BENCH/"
# Invoices due from 60 days ago to 10 days ahead of the run date.
MAX_OVERDUE = 60
MAX_AHEAD = 10
# Rare cases, so that every skip path of the engine is exercised.
RATE_DISPUTED = 0.01
RATE_EXCLUDED = 0.01
RATE_PROMISE = 0.01
RATE_BLOCKED = 0.01
RATE_PAUSED = 0.01
RATE_AP_CONTACT = 0.30  # customers with an "accounts payable" contact
RATE_OFF_BAND = 0.25  # invoices of a customer outside its band
CITIES = [
    ("69002", "Lyon"),
    ("69100", "Villeurbanne"),
    ("42000", "Saint-Étienne"),
    ("38000", "Grenoble"),
    ("75011", "Paris"),
    ("13001", "Marseille"),
    ("31000", "Toulouse"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("59000", "Lille"),
]
STREETS = ["rue de la République", "avenue Jean Jaurès", "boulevard Gambetta"]
CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}
# Engine methods timed per call: (model, method), skipped when the addon has no
# such method.  Times are inclusive.
PHASES = [
    ("account.dunning.run", "_process_batch"),
    ("account.dunning.run", "_escalate_batch"),
    ("account.dunning.run", "_read_snapshot"),
    ("account.dunning.rule", "_apply"),
    ("account.dunning.rule", "_prepare_reminders"),
    ("account.dunning.send", "_validate_reminders"),
    ("mail.activity", "_dunning_create_calls"),
    ("account.dunning.action", "_create_bulk"),
    ("account.dunning.run", "_deliver_batch"),
    ("account.dunning.action", "_deliver"),
    ("account.dunning.send", "_compose_emails"),
    ("mail.template", "send_mail_batch"),
    ("mail.template", "_dunning_queue_mail_batch"),
    ("account.dunning.send", "_attach_invoice_pdfs"),
    ("account.dunning.invoice.pdf", "_get_waiting"),
    ("account.dunning.invoice.pdf", "_attach"),
    ("account.dunning.action", "_compute_move_ids"),
    ("account.dunning.send", "_format_summary_html"),
    ("account.dunning.send", "_compose_sms"),
    ("account.dunning.send", "_log_in_chatter"),
    ("account.dunning.send", "_insert_notes"),
    ("account.dunning.run", "_get_counters_vals"),
]
BATCH_KEY = "account.dunning.run._process_batch"
# The two parts of a run: deciding and recording every reminder (letters, calls
# and invoice levels included), then composing the queued emails and SMS.
ESCALATION_KEY = "account.dunning.run._escalate_batch"
DELIVERY_KEY = "account.dunning.run._deliver_batch"


# A process measuring one part of a parallel run talks to its parent on stdout.
OUTPUT = {"stream": None}


def say(message):
    print(message, file=OUTPUT["stream"] or sys.stdout, flush=True)


# --------------------------------------------------------------------------
# database


def default_addons_path():
    """Odoo's own addons folders and the repository's symlink folder."""
    odoo_dir = Path(odoo.__file__).resolve().parent
    paths = [odoo_dir / "addons"]
    if (odoo_dir.parent / "addons").is_dir():
        paths.append(odoo_dir.parent / "addons")
    LINK_DIR.mkdir(parents=True, exist_ok=True)
    link = LINK_DIR / MODULE
    if not link.is_symlink():
        if link.exists():
            sys.exit(f"{link} exists and is not a symlink; remove it")
        link.symlink_to(os.path.relpath(REPO, LINK_DIR), target_is_directory=True)
    paths.append(LINK_DIR)
    return ",".join(str(path) for path in paths)


def pg_connect(dbname):
    """A plain connection with the same settings as Odoo's (PG* or config)."""
    config = odoo.tools.config
    params = {"dbname": dbname}
    for key, option in (
        ("host", "db_host"),
        ("port", "db_port"),
        ("user", "db_user"),
        ("password", "db_password"),
    ):
        if config.get(option):
            params[key] = config[option]
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    return conn


def db_exists(name):
    with closing(pg_connect("postgres")) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def modules_missing(name):
    conn = pg_connect(name)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT to_regclass('ir_module_module')")
            if not cr.fetchone()[0]:
                return INSTALL.split(",")
            cr.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' "
                "AND name = ANY(%s)",
                [INSTALL.split(",")],
            )
            installed = {row[0] for row in cr.fetchall()}
    finally:
        conn.close()
    return [module for module in INSTALL.split(",") if module not in installed]


def read_marker(name):
    conn = pg_connect(name)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [MARKER])
            row = cr.fetchone()
    finally:
        conn.close()
    return json.loads(row[0]) if row else None


def drop_database(name):
    Registry.delete(name)
    odoo.sql_db.close_db(name)
    with closing(pg_connect("postgres")) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid != pg_backend_pid()",
            [name],
        )
        cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
    filestore = odoo.tools.config.filestore(name)
    if os.path.exists(filestore):
        shutil.rmtree(filestore)
    say(f"Dropped database {name}")


def create_from_template(name, template):
    for attempt in range(10):
        try:
            with closing(pg_connect("postgres")) as conn, conn.cursor() as cr:
                cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        except psycopg2.errors.ObjectInUse:
            # Someone else is copying the template right now.
            time.sleep(2 + attempt)
    sys.exit(f"could not copy {template}: it stays in use by other sessions")


def install_modules(args, missing, option="-i"):
    """Create the database if needed and install (or update) the modules."""
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        "-d",
        args.database,
        f"--addons-path={args.addons_path}",
        option,
        ",".join(missing),
        "--stop-after-init",
        "--without-demo=all",
        "--log-level=warn",
    ]
    say("$ " + " ".join(cmd))
    started = time.perf_counter()
    proc = subprocess.run(cmd)
    if proc.returncode:
        sys.exit(f"`{' '.join(cmd)}` failed (exit {proc.returncode})")
    say(f"Done in {time.perf_counter() - started:.0f} s")


def missing_columns(registry):
    """Stored fields of the loaded code that the database lacks: the addon
    changed since the database was installed or last updated."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        existing = set(cr.fetchall())
    missing = []
    for model in registry.values():
        if model._abstract or not model._auto or model._table_query:
            continue
        for field in model._fields.values():
            if field.store and field.column_type:
                if (model._table, field.name) not in existing:
                    missing.append(f"{model._name}.{field.name}")
    return sorted(missing)


def missing_views(registry):
    """SQL views of the loaded code (``_auto = False`` models, such as the
    dashboard's reports) that the database lacks."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema()"
        )
        existing = {row[0] for row in cr.fetchall()}
    return sorted(
        f"{model._name} (view)"
        for model in registry.values()
        if not (model._abstract or model._auto or model._table_query)
        and model._module == MODULE
        and model._table not in existing
    )


def load_registry(args):
    """The registry, after updating the addon when its code needs new columns."""
    registry = Registry(args.database)
    missing = missing_columns(registry) + missing_views(registry)
    if args.update or missing:
        if missing:
            say(
                f"The database lacks {len(missing)} column(s) of the current code "
                f"({', '.join(missing[:3])}{'...' if len(missing) > 3 else ''}): "
                f"updating {MODULE}"
            )
        Registry.delete(args.database)
        odoo.sql_db.close_db(args.database)
        install_modules(args, [MODULE], option="-u")
        registry = Registry(args.database)
    return registry


def addon_state():
    """Commit of the addon and its uncommitted files, for the report."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", ".", ":!tools"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    dirty = [line[3:] for line in status if line[3:].endswith((".py", ".xml"))]
    if not dirty:
        return f"{head} (clean)"
    shown = ", ".join(dirty[:6]) + (", ..." if len(dirty) > 6 else "")
    return f"{head} + {len(dirty)} uncommitted .py/.xml files ({shown})"


def ensure_database(args):
    """Return the data set marker found (None when the data must be built)."""
    if db_exists(args.database):
        marker = read_marker(args.database)
        if marker and not dataset_matches(marker, args):
            say(
                f"Database {args.database} holds another benchmark data set "
                f"({marker.get('invoices')} invoices, {marker.get('customers')} "
                f"customers, run date {marker.get('date')}"
                f"{', modified by --keep' if marker.get('kept') else ''}): rebuilding"
            )
            drop_database(args.database)
        else:
            missing = modules_missing(args.database)
            if missing:
                install_modules(args, missing)
            return marker
    if args.template_db:
        say(f"Creating {args.database} as a copy of {args.template_db}")
        create_from_template(args.database, args.template_db)
        missing = modules_missing(args.database)
    else:
        missing = INSTALL.split(",")
    if missing:
        install_modules(args, missing)
    return None


def dataset_matches(marker, args):
    return (
        marker.get("version") == DATASET_VERSION
        and marker.get("invoices") == args.invoices
        and marker.get("customers") == args.customers
        and marker.get("pdf_ratio") == args.pdf_ratio
        and (args.date is None or marker.get("date") == args.date.isoformat())
        and marker.get("overdue_only", False) == bool(args.wizard)
        and not marker.get("kept")
    )


# --------------------------------------------------------------------------
# data set


def table_columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def clone_rows(cr, table, from_clause, overrides):
    """INSERT INTO table SELECT every column, from template rows aliased ``t``;
    ``overrides`` maps a column to the SQL expression that replaces ``t.col``."""
    columns = table_columns(cr, table)
    select = ", ".join(overrides.get(col, f't."{col}"') for col in columns)
    names = ", ".join(f'"{col}"' for col in columns)
    cr.execute(f'INSERT INTO "{table}" ({names}) SELECT {select} {from_clause}')
    return cr.rowcount


def clone_many2many(cr, model, id_map_table, old_col, new_col):
    """Copy the many2many rows of the template records to their clones."""
    total = 0
    for field in model._fields.values():
        if field.type != "many2many" or not field.store:
            continue
        rel, col1, col2 = field.relation, field.column1, field.column2
        if "id" in table_columns(cr, rel):
            continue  # the relation is a model of its own (e.g. channel members)
        cr.execute(
            f'INSERT INTO "{rel}" ("{col1}", "{col2}") '
            f'SELECT m.{new_col}, r."{col2}" FROM {id_map_table} m '
            f'JOIN "{rel}" r ON r."{col1}" = m.{old_col}'
        )
        total += cr.rowcount
    return total


def reserve_ids(cr, table, count):
    cr.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
        "FROM generate_series(1, %s) ORDER BY 1",
        [table, count],
    )
    return [row[0] for row in cr.fetchall()]


def policy_bands(policy):
    """(level, previous level, first day, last day) per level, in days overdue."""
    levels = list(policy._get_ordered_levels())
    bands = []
    for index, level in enumerate(levels):
        first = level.delay
        last = levels[index + 1].delay - 1 if index + 1 < len(levels) else MAX_OVERDUE
        if level.delay < 0:
            last = min(last, -1)  # pre-due levels stop at the due date
        previous = levels[index - 1] if index else None
        bands.append((level, previous, max(first, -MAX_AHEAD), min(last, MAX_OVERDUE)))
    first_day = min(band[2] for band in bands)
    if first_day > -MAX_AHEAD:  # invoices not due soon enough for any level
        bands.insert(0, (None, None, -MAX_AHEAD, first_day - 1))
    return bands


def make_pdf(title):
    """A one-page PDF (reportlab comes with Odoo)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, f"Invoice {title}")
    page.save()
    return buffer.getvalue()


def plan_invoice(rng, band, date):
    """Dates and history of one invoice in a band."""
    level, previous, first, last = band
    days = rng.randint(first, last)
    due = date - datetime.timedelta(days=days)
    if level and previous and previous.delay < 0 and days >= 0 and rng.random() < 0.5:
        previous = None  # half of them had no reminder before the due date
    if level is None:
        previous = None
    last_date = due + datetime.timedelta(days=previous.delay) if previous else None
    return {
        "level": level,
        "due": due,
        "invoice_date": due - datetime.timedelta(days=30),
        "previous_id": previous.id if previous else None,
        "last_date": last_date,
        "count": 1 if previous else 0,
    }


class DataSet:
    """Customers and posted invoices cloned with SQL from ORM-made templates."""

    def __init__(self, env, args):
        self.env = env(context=dict(env.context, **CONTEXT))
        self.cr = env.cr
        self.args = args
        self.company = env.company
        self.rng = random.Random(SEED)
        self.steps = []

    def step(self, label, started):
        self.steps.append((label, time.perf_counter() - started))
        say(f"    {label}: {time.perf_counter() - started:.1f} s")

    def build(self):
        started = time.perf_counter()
        company = self.company
        if not company.dunning_policy_id:
            company._dunning_create_default_policies()
        if not (company.partner_id.street and company.partner_id.city):
            company.partner_id.write(
                {"street": "12 rue de la Charité", "zip": "69002", "city": "Lyon"}
            )
        if not company.email:
            company.email = "relances@bench-company.example"
        self.bands = policy_bands(company.dunning_policy_id)
        if self.args.wizard:
            # every invoice overdue: the bands of the levels after the due date
            self.bands = [
                (level, previous, max(first, 1), last)
                for level, previous, first, last in self.bands
                if last >= 1
            ]
        customer_tmpl, contact_tmpl = self.make_template_partners()
        templates = self.make_template_invoices(customer_tmpl)
        self.env.flush_all()
        self.step(f"{len(templates)} template invoices (ORM)", started)
        t0 = time.perf_counter()
        customers = self.clone_customers(customer_tmpl, contact_tmpl)
        self.step(f"{len(customers)} customers (SQL)", t0)
        t0 = time.perf_counter()
        plan = self.plan_invoices(customers, templates)
        self.clone_invoices(plan)
        pdfs = self.clone_invoice_pdfs(plan, templates[0])
        self.step(f"{len(plan)} invoices, {pdfs} of them with their PDF (SQL)", t0)
        t0 = time.perf_counter()
        reminders = self.clone_history()
        self.step(f"{reminders} earlier reminders in the history (SQL)", t0)
        t0 = time.perf_counter()
        self.env.invalidate_all()
        self.cr.execute(
            "ANALYZE res_partner, account_move, account_move_line, ir_attachment, "
            "account_move_line_account_tax_rel, "
            "account_account_tag_account_move_line_rel"
        )
        self.verify(plan)
        self.step("checks + ANALYZE", t0)
        return {
            "customers": len(customers),
            "invoices": len(plan),
            "seconds": time.perf_counter() - started,
            "expected": self.expected_levels(plan, customers),
        }

    def make_template_partners(self):
        fr = self.env.ref("base.fr")
        customer = self.env["res.partner"].create(
            {
                "name": "Bench template customer",
                "is_company": True,
                "email": "compta@bench-template.example",
                "phone": "+33 4 65 71 00 00",
                "street": "1 rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "country_id": fr.id,
            }
        )
        role = self.env.ref(f"{MODULE}.role_accounts_payable")
        contact = self.env["res.partner"].create(
            {
                "name": "Accounts payable",
                "parent_id": customer.id,
                "type": "invoice",
                "email": "factures@bench-template.example",
                "dunning_role_ids": [Command.set(role.ids)],
            }
        )
        return customer, contact

    def make_template_invoices(self, customer):
        tax = self.company.account_sale_tax_id
        rate = (
            tax.amount / 100
            if tax and tax.amount_type == "percent" and not tax.price_include
            else 0.0
        )
        day = self.args.date
        vals_list = []
        for index in range(min(N_TEMPLATES, self.args.invoices)):
            total = self.rng.uniform(100, 5000)
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": day - datetime.timedelta(days=40),
                    # far ahead: the templates themselves are never reminded
                    "invoice_date_due": day + datetime.timedelta(days=400),
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": f"Maintenance contract, lot {index + 1}",
                                "quantity": 1,
                                "price_unit": round(total / (1 + rate), 2),
                                "tax_ids": [Command.set(tax.ids)],
                            }
                        )
                    ],
                }
            )
        moves = self.env["account.move"].create(vals_list)
        moves.action_post()
        # The legal PDF Odoo keeps once an invoice is sent (cloned below).
        moves[0].invoice_pdf_report_file = base64.b64encode(make_pdf(moves[0].name))
        return moves

    def clone_customers(self, customer_tmpl, contact_tmpl):
        rng, cr = self.rng, self.cr
        count = self.args.customers
        ids = reserve_ids(cr, "res_partner", count)
        date = self.args.date
        rows, contacts = [], []
        for index, partner_id in enumerate(ids):
            zip_code, city = CITIES[index % len(CITIES)]
            slug = f"client-{index + 1:06d}"
            paused = (
                date + datetime.timedelta(days=10)
                if rng.random() < RATE_PAUSED
                else None
            )
            rows.append(
                (
                    partner_id,
                    f"Client {index + 1:06d} SARL",
                    f"compta@{slug}.example",
                    f"{index % 180 + 1} {STREETS[index % len(STREETS)]}",
                    zip_code,
                    city,
                    rng.random() < RATE_BLOCKED,
                    paused,
                )
            )
            if rng.random() < RATE_AP_CONTACT:
                contacts.append((partner_id, f"factures@{slug}.example"))
        cr.execute(
            "CREATE TEMP TABLE bench_customer (id int, name varchar, email varchar, "
            "street varchar, zip varchar, city varchar, blocked bool, paused date) "
            "ON COMMIT DROP"
        )
        cr.execute_values("INSERT INTO bench_customer VALUES %s", rows, page_size=5000)
        now = "(now() at time zone 'UTC')"
        clone_rows(
            cr,
            "res_partner",
            f"FROM bench_customer p JOIN res_partner t ON t.id = {customer_tmpl.id}",
            {
                "id": "p.id",
                "name": "p.name",
                "complete_name": "p.name",
                "commercial_company_name": "p.name",
                "commercial_partner_id": "p.id",
                "email": "p.email",
                "email_normalized": "p.email",
                "street": "p.street",
                "zip": "p.zip",
                "city": "p.city",
                "dunning_blocked": "p.blocked",
                "dunning_paused_until": "p.paused",
                "create_date": now,
                "write_date": now,
            },
        )
        self.clone_contacts(contact_tmpl, contacts, now)
        return ids

    def clone_contacts(self, contact_tmpl, contacts, now):
        cr = self.cr
        contact_ids = reserve_ids(cr, "res_partner", len(contacts)) if contacts else []
        cr.execute(
            "CREATE TEMP TABLE bench_contact (id int, parent_id int, email varchar, "
            "template_id int) ON COMMIT DROP"
        )
        if contacts:
            cr.execute_values(
                "INSERT INTO bench_contact VALUES %s",
                [
                    (new_id, parent_id, email, contact_tmpl.id)
                    for new_id, (parent_id, email) in zip(
                        contact_ids, contacts, strict=True
                    )
                ],
                page_size=5000,
            )
        clone_rows(
            cr,
            "res_partner",
            "FROM bench_contact p JOIN res_partner t ON t.id = p.template_id "
            "JOIN res_partner parent ON parent.id = p.parent_id",
            {
                "id": "p.id",
                "parent_id": "p.parent_id",
                "commercial_partner_id": "p.parent_id",
                "complete_name": "parent.name || ', ' || t.name",
                "commercial_company_name": "parent.name",
                "email": "p.email",
                "email_normalized": "p.email",
                "street": "parent.street",
                "zip": "parent.zip",
                "city": "parent.city",
                "create_date": now,
                "write_date": now,
            },
        )
        clone_many2many(
            cr, self.env["res.partner"], "bench_contact", "template_id", "id"
        )

    def plan_invoices(self, customers, templates):
        rng = self.rng
        count = self.args.invoices
        weights = [0.4 if band[0] is None else 1.0 for band in self.bands]
        customer_band = [rng.choices(self.bands, weights)[0] for _ in customers]
        owners = list(range(len(customers)))[:count]
        owners += [rng.randrange(len(customers)) for _ in range(count - len(owners))]
        owners.sort()
        move_ids = reserve_ids(self.cr, "account_move", count)
        plan = []
        for index, (owner, move_id) in enumerate(zip(owners, move_ids, strict=True)):
            band = customer_band[owner]
            if rng.random() < RATE_OFF_BAND:
                band = rng.choice(self.bands)
            row = plan_invoice(rng, band, self.args.date)
            promise = None
            if rng.random() < RATE_PROMISE:
                promise = self.args.date - datetime.timedelta(days=1)
            row.update(
                move_id=move_id,
                customer=owner,
                partner_id=customers[owner],
                template_id=rng.choice(templates.ids),
                name=f"{NAME_PREFIX}{index + 1:06d}",
                number=index + 1,
                pdf=rng.random() < self.args.pdf_ratio,
                disputed=rng.random() < RATE_DISPUTED,
                excluded=rng.random() < RATE_EXCLUDED,
                promise=promise,
            )
            plan.append(row)
        return plan

    def clone_invoices(self, plan):
        cr = self.cr
        cr.execute(
            "CREATE TEMP TABLE bench_move (id int, template_id int, partner_id int, "
            "name varchar, number int, invoice_date date, due date, level_id int, "
            "last_date date, dcount int, disputed bool, excluded bool, promise date) "
            "ON COMMIT DROP"
        )
        cr.execute_values(
            "INSERT INTO bench_move VALUES %s",
            [
                (
                    row["move_id"],
                    row["template_id"],
                    row["partner_id"],
                    row["name"],
                    row["number"],
                    row["invoice_date"],
                    row["due"],
                    row["previous_id"],
                    row["last_date"],
                    row["count"],
                    row["disputed"],
                    row["excluded"],
                    row["promise"],
                )
                for row in plan
            ],
            page_size=5000,
        )
        now = "(now() at time zone 'UTC')"
        clone_rows(
            cr,
            "account_move",
            "FROM bench_move p JOIN account_move t ON t.id = p.template_id "
            "JOIN res_partner partner ON partner.id = p.partner_id",
            {
                "id": "p.id",
                "name": "p.name",
                "sequence_prefix": f"'{NAME_PREFIX}'",
                "sequence_number": "p.number",
                "payment_reference": "p.name",
                "partner_id": "p.partner_id",
                "commercial_partner_id": "p.partner_id",
                "partner_shipping_id": "p.partner_id",
                "invoice_partner_display_name": "partner.name",
                "date": "p.invoice_date",
                "invoice_date": "p.invoice_date",
                "invoice_date_due": "p.due",
                "delivery_date": "NULL",
                "state": "'posted'",
                "payment_state": "'not_paid'",
                "access_token": "NULL",
                "message_main_attachment_id": "NULL",
                "inalterable_hash": "NULL",
                "secure_sequence_number": "NULL",
                "sending_data": "NULL",
                "is_move_sent": "false",
                "made_sequence_gap": "false",
                "is_disputed": "p.disputed",
                "dunning_excluded": "p.excluded",
                "dunning_promise_date": "p.promise",
                "create_date": now,
                "write_date": now,
            },
        )
        cr.execute(
            "CREATE TEMP TABLE bench_line ON COMMIT DROP AS "
            "SELECT p.id AS move_id, l.id AS template_id, "
            "nextval(pg_get_serial_sequence('account_move_line', 'id')) AS id "
            "FROM bench_move p JOIN account_move_line l ON l.move_id = p.template_id"
        )
        clone_rows(
            cr,
            "account_move_line",
            "FROM bench_line p JOIN account_move_line t ON t.id = p.template_id "
            "JOIN account_move m ON m.id = p.move_id",
            {
                "id": "p.id",
                "move_id": "p.move_id",
                "move_name": "m.name",
                "parent_state": "m.state",
                "date": "m.date",
                "invoice_date": "m.invoice_date",
                "ref": "m.ref",
                "journal_id": "m.journal_id",
                "company_id": "m.company_id",
                "partner_id": "CASE WHEN t.partner_id IS NULL THEN NULL "
                "ELSE m.commercial_partner_id END",
                "date_maturity": "CASE WHEN t.date_maturity IS NULL THEN NULL "
                "ELSE m.invoice_date_due END",
                "full_reconcile_id": "NULL",
                "matching_number": "NULL",
                "reconciled": "false",
                "create_date": now,
                "write_date": now,
            },
        )
        clone_many2many(
            cr, self.env["account.move.line"], "bench_line", "template_id", "id"
        )

    def clone_history(self):
        """Invoices past a level were reminded at the previous one by an
        earlier night: one sent reminder per customer, level and day, through
        the level's first channel, listing those invoices (the history is where
        an invoice's level is read)."""
        cr = self.cr
        levels = self.company.dunning_policy_id.level_ids
        cr.execute(
            "CREATE TEMP TABLE bench_level_channel (level_id int, channel varchar) "
            "ON COMMIT DROP"
        )
        cr.execute_values(
            "INSERT INTO bench_level_channel VALUES %s",
            [(level.id, level._get_channels()[0]) for level in levels],
        )
        cr.execute(
            """
            CREATE TEMP TABLE bench_history ON COMMIT DROP AS
            SELECT nextval(pg_get_serial_sequence('account_dunning_action', 'id'))
                       AS id, g.*
              FROM (SELECT p.partner_id, p.level_id, p.last_date,
                           SUM(m.amount_residual) AS amount
                      FROM bench_move p
                      JOIN account_move m ON m.id = p.id
                     WHERE p.level_id IS NOT NULL
                  GROUP BY p.partner_id, p.level_id, p.last_date) g
            """
        )
        now = "(now() at time zone 'UTC')"
        cr.execute(
            f"""
            INSERT INTO account_dunning_action (
                id, company_id, partner_id, level_id, date, channel, state,
                amount_due, validated_date, create_uid, create_date, write_uid,
                write_date)
            SELECT h.id, %s, h.partner_id, h.level_id, h.last_date, c.channel,
                   'done', h.amount, {now}, 1, {now}, 1, {now}
              FROM bench_history h
              JOIN bench_level_channel c ON c.level_id = h.level_id
            """,
            [self.company.id],
        )
        count = cr.rowcount
        cr.execute(
            """
            INSERT INTO account_dunning_action_line (
                action_id, move_id, level_id, channel, state, date, date_due,
                days_overdue, amount_total, amount_residual)
            SELECT h.id, p.id, p.level_id, c.channel, 'done', p.last_date, p.due,
                   p.last_date - p.due, m.amount_total, m.amount_residual
              FROM bench_move p
              JOIN bench_history h ON h.partner_id = p.partner_id
                                  AND h.level_id = p.level_id
                                  AND h.last_date = p.last_date
              JOIN bench_level_channel c ON c.level_id = p.level_id
              JOIN account_move m ON m.id = p.id
            """
        )
        cr.execute("ANALYZE account_dunning_action, account_dunning_action_line")
        return count

    def clone_invoice_pdfs(self, plan, template):
        """Sent invoices keep their PDF: one attachment each, sharing one file of
        the filestore (content-addressed, as Odoo does for identical files)."""
        cr = self.cr
        attachment = template.invoice_pdf_report_id
        cr.execute(
            "CREATE TEMP TABLE bench_pdf (move_id int, name varchar) ON COMMIT DROP"
        )
        rows = [
            (row["move_id"], row["name"].replace("/", "_") + ".pdf")
            for row in plan
            if row["pdf"]
        ]
        if not rows or not attachment:
            return 0
        cr.execute_values("INSERT INTO bench_pdf VALUES %s", rows, page_size=5000)
        now = "(now() at time zone 'UTC')"
        return clone_rows(
            cr,
            "ir_attachment",
            f"FROM bench_pdf p JOIN ir_attachment t ON t.id = {attachment.id}",
            {
                "id": "nextval(pg_get_serial_sequence('ir_attachment', 'id'))",
                "res_id": "p.move_id",
                "name": "p.name",
                "access_token": "NULL",
                "create_date": now,
                "write_date": now,
            },
        )

    def verify(self, plan):
        """SQL invariants on every clone, then ORM reads of a few of them."""
        cr = self.cr
        ids = tuple(row["move_id"] for row in plan)
        cr.execute(
            """
            SELECT COUNT(*) FILTER (WHERE ROUND(d - c, 2) <> 0),
                   COUNT(*) FILTER (WHERE ROUND(r - m.amount_residual_signed, 2) <> 0),
                   COUNT(*) FILTER (WHERE m.amount_residual <= 0),
                   COUNT(*) FILTER (WHERE bad_partner > 0),
                   COUNT(*)
              FROM account_move m
              JOIN (SELECT l.move_id, SUM(l.debit) d, SUM(l.credit) c,
                           SUM(l.amount_residual) FILTER (
                               WHERE a.account_type = 'asset_receivable') r,
                           COUNT(*) FILTER (WHERE l.partner_id
                               IS DISTINCT FROM mv.commercial_partner_id) bad_partner
                      FROM account_move_line l
                      JOIN account_move mv ON mv.id = l.move_id
                      JOIN account_account a ON a.id = l.account_id
                     WHERE l.move_id IN %s
                  GROUP BY l.move_id) s ON s.move_id = m.id
            """,
            [ids],
        )
        unbalanced, residual, not_open, partner, total = cr.fetchone()
        if (unbalanced, residual, not_open, partner, total) != (0, 0, 0, 0, len(ids)):
            sys.exit(
                f"cloned invoices are inconsistent: {total}/{len(ids)} found, "
                f"{unbalanced} unbalanced, {residual} with a receivable residual "
                f"different from the invoice's, {not_open} not open, {partner} with "
                "lines of another partner"
            )
        rng = random.Random(SEED + 1)
        sample = [plan[0], plan[-1]] + rng.sample(plan, min(8, len(plan)))
        moves = self.env["account.move"].browse(row["move_id"] for row in sample)
        for move, row in zip(moves, sample, strict=True):
            receivable = move.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
            problems = [
                label
                for label, ok in (
                    ("state", move.state == "posted"),
                    ("payment state", move.payment_state == "not_paid"),
                    ("residual", move.amount_residual > 0),
                    ("total", move.amount_residual == move.amount_total),
                    ("receivable", len(receivable) == 1),
                    (
                        "receivable residual",
                        receivable.amount_residual == move.amount_residual_signed,
                    ),
                    ("maturity", receivable.date_maturity == move.invoice_date_due),
                    ("partner", move.commercial_partner_id.id == row["partner_id"]),
                    ("due date", move.invoice_date_due == row["due"]),
                    ("candidate", move._is_dunning_candidate()),
                    (
                        "untaxed",
                        move.amount_untaxed
                        == sum(move.invoice_line_ids.mapped("price_subtotal")),
                    ),
                )
                if not ok
            ]
            if problems:
                sys.exit(f"cloned invoice {move.name} is wrong: {', '.join(problems)}")
        say(
            f"    checked: {len(ids)} clones balanced, receivable residual = invoice "
            f"residual; ORM reads of {len(moves)} invoices OK "
            f"(e.g. {moves[0].name}: {moves[0].amount_total} "
            f"{moves[0].currency_id.name}, {len(moves[0].line_ids)} lines)"
        )

    def expected_levels(self, plan, customers):
        """Invoices each level should receive on the run date (engine check)."""
        cr = self.cr
        cr.execute(
            "SELECT id FROM res_partner WHERE id IN %s AND (dunning_blocked "
            "OR dunning_paused_until >= %s)",
            [tuple(customers), self.args.date],
        )
        skipped = {row[0] for row in cr.fetchall()}
        expected = Counter()
        for row in plan:
            level = row["level"]
            if (
                level is None
                or row["disputed"]
                or row["excluded"]
                or row["promise"]
                or row["partner_id"] in skipped
            ):
                continue
            expected[level.id] += 1
        return {str(key): value for key, value in expected.items()}


def build_dataset(registry, args):
    say(
        f"Building the data set: {args.invoices} invoices, {args.customers} "
        f"customers, run date {args.date}"
    )
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = DataSet(env, args).build()
        marker = {
            "version": DATASET_VERSION,
            "invoices": args.invoices,
            "customers": args.customers,
            "date": args.date.isoformat(),
            "seed": SEED,
            "pdf_ratio": args.pdf_ratio,
            "overdue_only": bool(args.wizard),
            "kept": False,
            "build_seconds": round(result["seconds"], 1),
            "expected": result["expected"],
        }
        env["ir.config_parameter"].set_param(MARKER, json.dumps(marker))
        t0 = time.perf_counter()
        cr.commit()
        say(f"    commit: {time.perf_counter() - t0:.1f} s")
    say(f"Data set built in {result['seconds']:.0f} s")
    return marker


# --------------------------------------------------------------------------
# measurement


def rss_mb(key):
    """VmRSS / VmHWM of this process in MB (None if /proc is not there)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def frame_label(frame):
    code = frame.f_code
    path = code.co_filename
    for marker in ("/addons/", "/odoo/"):
        if marker in path:
            path = path.rsplit(marker, 1)[1]
            break
    return f"{path}:{frame.f_lineno} {code.co_name}"


def sql_callers(frame):
    """The innermost frame of the addon and the innermost business frame."""
    business = addon = None
    while frame is not None and addon is None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("odoo.addons."):
            if business is None:
                business = frame
            if module.startswith(f"odoo.addons.{MODULE}."):
                addon = frame
        frame = frame.f_back
    parts = [frame_label(f) for f in (business, addon) if f is not None]
    if len(parts) == 2 and business is addon:
        parts = parts[:1]
    return " <- ".join(parts) or "?"


PLACEHOLDERS = re.compile(r"%s(?:\s*,\s*%s)+")
TUPLES = re.compile(r"(\([^()]*\))(?:\s*,\s*\1)+")
SINGLE_VALUE = re.compile(r"VALUES %s(?!, \.\.\.)")


def query_shape(text):
    """The query without its parameters, lists of placeholders collapsed."""
    text = " ".join(text.split())
    text = TUPLES.sub(r"\1, ...", PLACEHOLDERS.sub("%s, ...", text))
    return SINGLE_VALUE.sub("VALUES %s, ...", text)


class SqlTracker:
    """Counts queries by shape (SQL text before parameters); optionally logs them
    with their caller (slower: walks the stack on every query)."""

    def __init__(self, log_file=None):
        self.shapes = defaultdict(lambda: [0, 0.0, Counter()])
        self.known = {}  # raw SQL text -> shape
        self.log_file = log_file

    def __call__(self, cr, query, params, start, delay):
        text = query if isinstance(query, str) else str(query)
        key = self.known.get(text)
        if key is None:
            key = self.known[text] = query_shape(text)
        shape = self.shapes[key]
        shape[0] += 1
        shape[1] += delay
        if self.log_file:
            caller = sql_callers(sys._getframe(1))
            shape[2][caller] += 1
            self.log_file.write(
                f"{delay * 1000:.3f} ms\t{caller}\t{key[:2000]}\t"
                f"{repr(params)[:300]}\n"
            )


class Phases:
    """Wraps engine methods of the registry classes to time them."""

    def __init__(self, env):
        self.env = env
        self.stats = defaultdict(lambda: [0, 0.0, 0])  # calls, seconds, queries
        self.batches = []
        self.saved = []

    def install(self):
        for model, method in PHASES:
            if model not in self.env.registry:
                continue
            cls = type(self.env[model])
            original = getattr(cls, method, None)
            if original is None:
                continue
            self.saved.append((cls, method, cls.__dict__.get(method)))
            setattr(cls, method, self.wrap(f"{model}.{method}", original))

    def uninstall(self):
        for cls, method, previous in reversed(self.saved):
            if previous is None:
                delattr(cls, method)
            else:
                setattr(cls, method, previous)
        self.saved = []

    def wrap(self, key, original):
        phases = self

        def wrapper(records, *args, **kwargs):
            cr = records.env.cr
            queries = cr.sql_log_count
            before = phases.run_counters(records) if key == BATCH_KEY else None
            started = time.perf_counter()
            try:
                return original(records, *args, **kwargs)
            finally:
                seconds = time.perf_counter() - started
                stat = phases.stats[key]
                stat[0] += 1
                stat[1] += seconds
                stat[2] += cr.sql_log_count - queries
                if before is not None:
                    after = phases.run_counters(records)
                    phases.batches.append(
                        [b - a for a, b in zip(before, after, strict=True)]
                        + [seconds, cr.sql_log_count - queries]
                    )

        return wrapper

    @staticmethod
    def run_counters(run):
        return (run.partner_count, run.invoice_count, run.action_count)


def switch_email_to_letter(env, company):
    levels = env["account.dunning.level"].search(
        [("company_id", "=", company.id), ("send_email", "=", True)]
    )
    levels.write({"send_email": False, "send_letter": True})
    return levels


def vacuum(database):
    """Clean the dead rows a rolled-back run leaves (and refresh the planner's
    statistics), so that every measurement starts from the same state instead
    of racing autovacuum."""
    started = time.perf_counter()
    with closing(pg_connect(database)) as conn, conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def measure(registry, args, mode, marker, log_sql=None):
    """One escalation of the data set in a fresh transaction, rolled back."""
    say(f"    VACUUM ANALYZE: {vacuum(args.database):.1f} s")
    cr = registry.cursor()
    try:
        return _measure(cr, args, mode, marker, log_sql)
    finally:
        cr.close()


def _measure(cr, args, mode, marker, log_sql, part=0, ready=None):
    """One measured run; with `ready`, part `part` of a run split into
    `--workers` parts (`ready` returns when every part may start)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    company = env.company
    if args.batch_size:
        env["ir.config_parameter"].set_param(
            "account_dunning.batch_size", args.batch_size
        )
    if serves_http(args):
        env["ir.config_parameter"].set_param(
            "report.url", f"http://127.0.0.1:{args.http_port}"
        )
    switched = switch_email_to_letter(env, company) if mode == "letter-only" else None
    if args.no_attach:
        env["account.dunning.level"].search(
            [("company_id", "=", company.id), ("attach_invoices", "=", True)]
        ).write({"attach_invoices": False})
    run = env["account.dunning.run"].create(
        {
            "company_id": company.id,
            "date": args.date,
            "worker": part,
            "worker_count": args.workers if ready else 1,
        }
    )
    env.flush_all()
    env.invalidate_all()
    if ready:
        ready()  # every part waits here for the others (parallel measurement)
    log_file = open(log_sql, "w", encoding="utf-8") if log_sql else None
    tracker = SqlTracker(log_file)
    phases = Phases(env)
    phases.install()
    profiler = cProfile.Profile() if mode == "profiled" else None
    gc.collect()
    rss_before = rss_mb("VmRSS")
    hwm_reset = reset_peak_rss()
    load_before = os.getloadavg()
    thread = threading.current_thread()
    thread.query_hooks = [tracker]
    queries = cr.sql_log_count
    cpu_started = time.process_time()
    started_at = time.time()
    started = time.perf_counter()
    error = None
    try:
        if profiler:
            profiler.enable()
        notes = orm_notes(run.env) if args.orm_notes else contextlib.nullcontext()
        with notes:
            if args.escalation_only:
                # the reminders are decided and recorded, the emails stay queued
                if not run._acquire_lock():
                    raise RuntimeError("the run is locked")
                with no_delivery(run):
                    while run.state in ("draft", "running"):
                        run._process_batch()
            else:
                run.action_run()
        cr.flush()  # pending ORM writes + precommit hooks, as a commit would
    except Exception as exc:  # noqa: BLE001 - reported, the other runs go on
        error = describe_error(exc)
    finally:
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        ended_at = time.time()
        cpu_seconds = time.process_time() - cpu_started
        query_count = cr.sql_log_count - queries
        thread.query_hooks = []
        phases.uninstall()
        if tracker.log_file:
            tracker.log_file.close()
    result = {
        "mode": mode,
        "error": error,
        "seconds": seconds,
        "started_at": started_at,
        "ended_at": ended_at,
        "cpu_seconds": cpu_seconds,
        "sql_seconds": sum(shape[1] for shape in tracker.shapes.values()),
        "queries": query_count,
        "rss_before": rss_before,
        "rss_peak": rss_mb("VmHWM") if hwm_reset else None,
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load": (load_before, os.getloadavg()),
        "phases": dict(phases.stats),
        "batches": phases.batches,
        "shapes": tracker.shapes,
        "switched_levels": len(switched) if switched else 0,
    }
    if error:
        say(f"    RUN FAILED after {seconds:.1f} s: {error}")
        cr.rollback()
        result.update(failed_run_values(run))
        return result
    result.update(read_run(env, run, marker))
    result.update(measure_pdf_step(env, run, args, mode))
    if profiler:
        profiler.dump_stats(args.profile)
        result["profile"] = args.profile
    if args.keep and mode == "full":
        marker = dict(marker, kept=True)
        env["ir.config_parameter"].set_param(MARKER, json.dumps(marker))
        cr.commit()
        say("    --keep: the run and its reminders were committed")
    else:
        cr.rollback()
    return result


def measure_pdf_step(env, run, args, mode):
    """After the run: the emails left waiting for invoice PDFs and, with
    `--pdf-step N`, the later step of the job that renders them, measured on N
    invoices (not part of the run's figures)."""
    values = {"pdf_waiting": 0, "pdf_step": None}
    if "account.dunning.invoice.pdf" not in env.registry:
        return values  # an addon that renders the PDFs inside the run
    Pdf = env["account.dunning.invoice.pdf"]
    values["pdf_waiting"] = len(Pdf._get_waiting(run.action_ids))
    if not args.pdf_step or mode != "full" or not values["pdf_waiting"]:
        return values
    env.flush_all()
    cr = env.cr
    queries = cr.sql_log_count
    started = time.perf_counter()
    composed = Pdf._cron_render(batch_size=args.pdf_step)
    env.flush_all()
    seconds = time.perf_counter() - started
    run.invalidate_recordset(["pdf_rendered_count", "pdf_failed_count"])
    values["pdf_step"] = {
        "seconds": seconds,
        "queries": cr.sql_log_count - queries,
        "rendered": run.pdf_rendered_count,
        "failed": run.pdf_failed_count,
        "composed": len(composed),
    }
    return values


def measure_parallel(args, marker):
    """The run split into `--workers` parts, each measured by its own process
    (as Odoo's cron workers in multi-process mode), all started together; each
    part's transaction is rolled back. Seconds = from the start to the end of
    the slowest part; CPU, SQL, queries and counters are summed."""
    say(f"    VACUUM ANALYZE: {vacuum(args.database):.1f} s")
    command = [sys.executable, str(Path(__file__).resolve())]
    command += [
        f"--invoices={args.invoices}",
        f"--customers={args.customers}",
        f"--database={args.database}",
        f"--date={args.date.isoformat()}",
        f"--pdf-ratio={args.pdf_ratio}",
        f"--workers={args.workers}",
        f"--addons-path={args.addons_path}",
        f"--log-level={args.log_level}",
    ]
    if args.batch_size:
        command.append(f"--batch-size={args.batch_size}")
    if args.no_attach:
        command.append("--no-attach")
    if args.escalation_only:
        command.append("--escalation-only")
    if args.orm_notes:
        command.append("--orm-notes")
    processes = [
        subprocess.Popen(
            [*command, f"--part={part}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for part in range(args.workers)
    ]
    for process in processes:
        line = process.stdout.readline()
        if line.strip() != "READY":
            sys.exit(f"a part of the parallel measurement did not start: {line!r}")
    load_before = os.getloadavg()
    for process in processes:
        process.stdin.write("GO\n")
        process.stdin.flush()
    parts = []
    for process in processes:
        line = process.stdout.readline()
        process.wait()
        if not line.startswith("RESULT "):
            sys.exit(f"a part of the parallel measurement failed: {line!r}")
        parts.append(json.loads(line[len("RESULT ") :]))
    # from the first part's start to the last part's end (the rollbacks after)
    seconds = max(part["ended_at"] for part in parts) - min(
        part["started_at"] for part in parts
    )
    return combine_parts(parts, seconds, (load_before, os.getloadavg()))


def combine_parts(parts, seconds, load):
    """One result of the parts of a parallel run."""
    result = dict(parts[0], seconds=seconds, load=load, shapes={})
    for key in ("cpu_seconds", "sql_seconds", "queries"):
        result[key] = sum(part[key] for part in parts)
    for key, value in parts[0].items():
        if isinstance(value, int) and not isinstance(value, bool):
            if key.endswith("_count") or key.startswith("skip_"):
                result[key] = sum(part[key] for part in parts)
    result["duration"] = max(part["duration"] for part in parts)
    result["rss_peak"] = max(part["rss_peak"] or 0 for part in parts)
    result["maxrss"] = max(part["maxrss"] for part in parts)
    result["error"] = "; ".join(part["error"] for part in parts if part["error"])
    result["error_log"] = "\n".join(
        part["error_log"] for part in parts if part.get("error_log")
    )
    reached = Counter()
    phases = defaultdict(lambda: [0, 0.0, 0])
    for part in parts:
        reached.update(part["reached"])
        for key, stat in part["phases"].items():
            for index, value in enumerate(stat):
                phases[key][index] += value
    result["reached"] = dict(reached)
    result["phases"] = dict(phases)
    result["batches"] = [batch for part in parts for batch in part["batches"]]
    result["part_seconds"] = [part["seconds"] for part in parts]
    return result


def measure_part(args):
    """`--part I`: measure one part of a parallel run for the parent process,
    which starts every part at once (READY / GO / RESULT lines on stdio)."""
    OUTPUT["stream"] = sys.stderr
    registry, marker = bootstrap(args)
    cr = registry.cursor()

    def ready():
        print("READY", flush=True)
        if sys.stdin.readline().strip() != "GO":
            sys.exit("no GO from the parent process")

    try:
        result = _measure(cr, args, "full", marker, None, args.part, ready)
    finally:
        cr.close()
    result.pop("shapes", None)
    result["phases"] = {key: list(stat) for key, stat in result["phases"].items()}
    print("RESULT " + json.dumps(result, default=str), flush=True)
    return 0


@contextlib.contextmanager
def orm_notes(env):
    """The chatter notes of the run written through the ORM's
    `_message_log_batch` instead of the addon's one INSERT (this process
    only): `--orm-notes`, to measure what the INSERT saves."""
    from markupsafe import Markup

    cls = type(env["account.dunning.send"])
    previous = cls.__dict__.get("_insert_notes")

    def insert_notes(self, models_, res_ids, bodies):
        by_model = defaultdict(dict)
        for model, res_id, body in zip(models_, res_ids, bodies, strict=True):
            by_model[model][res_id] = Markup(body)
        for model, by_record in by_model.items():
            self.env[model].browse(list(by_record))._message_log_batch(by_record)

    cls._insert_notes = insert_notes
    try:
        yield
    finally:
        if previous is None:
            del cls._insert_notes
        else:
            cls._insert_notes = previous


@contextlib.contextmanager
def no_delivery(run):
    """The run's batches without composing their emails and SMS (this process
    only): `--escalation-only`."""
    cls = type(run)
    previous = cls.__dict__.get("_deliver_batch")
    cls._deliver_batch = lambda self, batch_size: self.env["account.dunning.action"]
    try:
        yield
    finally:
        if previous is None:
            del cls._deliver_batch
        else:
            cls._deliver_batch = previous


def describe_error(exc):
    """The exception and the innermost frame of the addon that led to it."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"/{MODULE}/" in f.filename]
    where = ""
    if ours:
        frame = ours[-1]
        where = f" (from {Path(frame.filename).name}:{frame.lineno} {frame.name})"
    return f"{type(exc).__name__}: {str(exc).strip()[:300]}{where}"


def failed_run_values(run):
    values = dict.fromkeys(
        [
            "batch_count",
            "partner_count",
            "invoice_count",
            "action_count",
            "email_count",
            "sms_count",
            "letter_count",
            "call_count",
            "draft_count",
            "failed_count",
        ],
        0,
    )
    values.update(
        duration=0.0,
        reached={},
        level_names={},
        error_log=None,
        pdf_waiting=0,
        pdf_step=None,
    )
    return values


def read_run(env, run, marker):
    fields = [
        "batch_count",
        "partner_count",
        "invoice_count",
        "action_count",
        "email_count",
        "sms_count",
        "letter_count",
        "call_count",
        "draft_count",
        "failed_count",
        "duration",
    ]
    fields += [
        name
        for name in run._fields
        if name.startswith("skip_") or name.startswith("pdf_")
    ]
    values = {name: run[name] for name in fields}
    env.cr.execute(
        "SELECT l.level_id, COUNT(DISTINCT l.move_id) "
        "FROM account_dunning_action_line l "
        "JOIN account_dunning_action a ON a.id = l.action_id WHERE a.run_id = %s "
        "GROUP BY l.level_id",
        [run.id],
    )
    reached = {str(level_id): count for level_id, count in env.cr.fetchall()}
    values["reached"] = reached
    levels = env["account.dunning.level"].browse(int(key) for key in reached)
    values["level_names"] = {str(level.id): level.name for level in levels}
    if marker and marker.get("expected") is not None:
        values["expected"] = marker["expected"]
    values["error_log"] = run.error_log
    return values


# --------------------------------------------------------------------------
# report


def machine_line():
    model = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GB RAM"
    except (ValueError, OSError):
        pass
    cpus = len(os.sched_getaffinity(0))
    return (
        f"{cpus} CPU ({model}){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Odoo {odoo.release.version}, "
        f"{datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}"
    )


def fmt_phase(res, key):
    _calls, seconds, queries = res["phases"].get(key, (0, 0.0, 0))
    return f"{seconds:.2f} ({queries})"


def fmt_mb(value):
    return f"{value:.0f}" if value is not None else "n/a"


def print_table(headers, rows):
    widths = [
        max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)
    ]
    line = "  ".join(
        str(h).ljust(w) if i == 0 else str(h).rjust(w)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    )
    say(line)
    say("-" * len(line))
    for row in rows:
        say(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def report_summary(args, results, pg_version):
    say("")
    say(
        f"Dunning run benchmark — {args.invoices} invoices, {args.customers} "
        f"customers, run date {args.date}, database {args.database}, PostgreSQL "
        f"{pg_version}"
    )
    headers = [
        "measurement",
        "invoices",
        "customers",
        "seconds",
        "CPU s",
        "SQL s",
        "queries",
        "escalation s (queries)",
        "emails/SMS s (queries)",
        "q/batch",
        "q/action",
        "batches",
        "peak RSS MB",
        "RSS before",
        "actions",
        "email",
        "letter",
        "call",
        "sms",
        "to confirm",
        "failed",
    ]
    rows = []
    for res in results:
        batches = res["batch_count"] or 1
        rows.append(
            [
                res["label"] + (" FAILED" if res["error"] else ""),
                res["invoice_count"],
                res["partner_count"],
                f"{res['seconds']:.2f}",
                f"{res['cpu_seconds']:.1f}",
                f"{res['sql_seconds']:.1f}",
                res["queries"],
                fmt_phase(res, ESCALATION_KEY),
                fmt_phase(res, DELIVERY_KEY),
                f"{res['queries'] / batches:.0f}",
                f"{res['queries'] / (res['action_count'] or 1):.2f}",
                res["batch_count"],
                fmt_mb(res["rss_peak"]),
                fmt_mb(res["rss_before"]),
                res["action_count"],
                res["email_count"],
                res["letter_count"],
                res["call_count"],
                res["sms_count"],
                res["draft_count"],
                res["failed_count"],
            ]
        )
    print_table(headers, rows)
    for res in results:
        if res.get("part_seconds"):
            say(
                f"{res['label']}: {len(res['part_seconds'])} parts in parallel "
                "processes, seconds of each part: "
                + ", ".join(f"{sec:.2f}" for sec in res["part_seconds"])
                + " (CPU s, SQL s, queries, per-step times: summed over the parts)"
            )
    say(
        "(invoices/customers = read by the run: open invoices due by the horizon; "
        "seconds = wall clock; escalation = deciding and recording every reminder, "
        "letters, calls and invoice levels included; emails/SMS = composing the "
        "queued ones into Odoo's mail and SMS queues (not their delivery); "
        "CPU s = this process (Python); SQL s = time spent "
        "in cursor.execute (PostgreSQL + network); when the machine is loaded, "
        "CPU s + SQL s stay closer to the truth than the wall clock; peak RSS = "
        "VmHWM reset just before the run; process ru_maxrss "
        f"{fmt_mb(max(r['maxrss'] for r in results))} MB)"
    )
    for res in results:
        (b1, b5, b15), (a1, a5, a15) = res["load"]
        say(
            f"load average {res['label']}: {b1:.2f} {b5:.2f} {b15:.2f} before, "
            f"{a1:.2f} {a5:.2f} {a15:.2f} after"
        )


def report_details(res):
    say("")
    say(f"[{res['label']}] run: duration field {res['duration']:.2f} s")
    if res["error"]:
        say(f"    FAILED after {res['seconds']:.1f} s: {res['error']}")
    skips = {k: v for k, v in res.items() if k.startswith("skip_") and v}
    say("    skipped: " + (", ".join(f"{k}={v}" for k, v in skips.items()) or "none"))
    report_levels(res)
    report_pdfs(res)
    total = res["seconds"] or 1
    rows = []
    for key, (calls, seconds, queries) in res["phases"].items():
        rows.append(
            [key, calls, f"{seconds:.2f}", f"{100 * seconds / total:.0f}%", queries]
        )
    say("    time per engine step (inclusive; ORM writes are flushed lazily, so")
    say("    some queries land in the step that flushes them):")
    print_table(["    step", "calls", "seconds", "% run", "queries"], rows)
    batches = res["batches"]
    if batches:
        say("    per batch:")
        rows = [
            [f"    #{i + 1}", p, inv, act, f"{sec:.2f}", q]
            for i, (p, inv, act, sec, q) in enumerate(batches[:20])
        ]
        print_table(
            ["    batch", "customers", "invoices", "actions", "seconds", "queries"],
            rows,
        )
    report_shapes(res)


def report_levels(res):
    reached, expected = res["reached"], res.get("expected")
    names = res["level_names"]
    parts = [f"{names.get(k, k)}={v}" for k, v in sorted(reached.items())]
    say("    invoices per level reached: " + (", ".join(parts) or "none"))
    if expected is not None:
        if expected == reached:
            say("    engine check: invoices per level = expected from the data set")
        else:
            say(f"    ENGINE CHECK MISMATCH: expected {expected}, got {reached}")
    if res.get("error_log"):
        say("    errors: " + res["error_log"][:500])


def report_pdfs(res):
    if "pdf_waiting" not in res:
        return
    say(
        f"    emails waiting for invoice PDFs after the run: {res['pdf_waiting']}"
        + (
            f" (invoice PDFs rendered {res.get('pdf_rendered_count', 0)}, "
            f"failed {res.get('pdf_failed_count', 0)})"
            if "pdf_rendered_count" in res
            else ""
        )
    )
    step = res.get("pdf_step")
    if step:
        done = (step["rendered"] + step["failed"]) or 1
        say(
            f"    later step (--pdf-step): {step['rendered']} PDFs rendered, "
            f"{step['failed']} failed, {step['composed']} emails composed in "
            f"{step['seconds']:.1f} s and {step['queries']} queries "
            f"({step['seconds'] / done:.2f} s per invoice); not in the run's figures"
        )


def report_shapes(res):
    shapes = res["shapes"]
    batches = res["batch_count"] or 1
    customers = res["partner_count"] or 1
    top = sorted(shapes.items(), key=lambda item: -item[1][0])[:12]
    say(
        f"    most repeated queries ({len(shapes)} distinct shapes; x/customer = "
        "count / customers read):"
    )
    for text, (count, seconds, callers) in top:
        ratio = count / customers
        flag = ""
        if ratio >= 0.05 and count > 4 * batches:
            flag = "  <-- ONE PER RECORD" if ratio >= 0.5 else "  <-- grows with N"
        say(
            f"    {count:7d}x {ratio:5.2f}/customer {seconds * 1000:7.0f} ms  "
            f"{text[:130]}{flag}"
        )
        for caller, n in callers.most_common(3):
            say(f"              {n:7d}x from {caller}")


def report_profile(path, top=25):
    say("")
    say(f"cProfile ({path}), top {top} by cumulative time:")
    stream = io.StringIO()
    stats = pstats.Stats(path, stream=stream)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    say(stream.getvalue().split("\n", 4)[-1].rstrip())
    stream = io.StringIO()
    stats = pstats.Stats(path, stream=stream)
    stats.strip_dirs().sort_stats("tottime").print_stats(15)
    say("top 15 by own time:")
    say(stream.getvalue().split("\n", 4)[-1].rstrip())


# --------------------------------------------------------------------------
# main


def plan_measurements(args):
    """(mode, repeat) pairs; full and letter-only runs alternate, so that a
    change of load on the machine hits both."""
    if args.keep:
        if args.email_compare or args.profile or args.repeat > 1:
            say("--keep: only one full run is measured (it changes the data)")
        return [("full", 1)]
    plan = []
    for repeat in range(1, args.repeat + 1):
        plan.append(("full", repeat))
        if args.email_compare:
            plan.append(("letter-only", repeat))
    if args.profile:
        plan.append(("profiled", 1))
    return plan


def measure_wizard(registry, args):
    """Open "Relancer" on the data set's overdue invoices as the web client does,
    `args.repeat` times after a first opening that also loads the views."""
    say(f"    VACUUM ANALYZE: {vacuum(args.database):.1f} s")
    results = []
    with registry.cursor() as cr:
        root = api.Environment(cr, SUPERUSER_ID, {})
        company = root.company
        user = root.ref("base.user_admin")
        env = api.Environment(
            cr,
            user.id,
            {
                "lang": user.lang,
                "tz": user.tz,
                "allowed_company_ids": company.ids,
            },
        )
        moves = env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("amount_residual", ">", 0),
                ("invoice_date_due", "<", args.date),
            ],
            order="id",
            limit=args.wizard,
        )
        ids = moves.ids
        say(
            f"    {len(ids)} overdue invoices of "
            f"{len(moves.commercial_partner_id)} customers selected"
        )
        profiler = cProfile.Profile() if args.profile else None
        freezer = freeze_date(args.date)  # the web client's today, set once
        freezer.__enter__()
        try:
            for attempt in range(args.repeat + 1):
                results.append(wizard_opening(env, ids, attempt, profiler, args.repeat))
                cr.rollback()
        finally:
            freezer.__exit__()
        if profiler:
            profiler.dump_stats(args.profile)
    return results


def wizard_opening(env, ids, attempt, profiler, last):
    """action_dunning_wizard() + the onchange() that fills the new wizard (the
    first time through odoo.tests.Form, which also loads the views)."""
    # Form builds the web client's field spec from the views; importing the
    # test package outside a test run only logs an error, silenced here.
    common_logger = logging.getLogger("odoo.tests.common")
    common_logger.disabled = True
    try:
        from odoo.tests import Form
    finally:
        common_logger.disabled = False

    cr = env.cr
    env.invalidate_all()  # each request starts with an empty record cache
    gc.collect()
    tracker = SqlTracker()
    thread = threading.current_thread()
    thread.query_hooks = [tracker]
    queries = cr.sql_log_count
    cpu_started = time.process_time()
    started = wall_clock()
    if profiler and attempt == last:
        profiler.enable()
    action = env["account.move"].browse(ids).action_dunning_wizard()
    Wizard = env[action["res_model"]].with_context(**action["context"])
    if attempt == 0:
        form = Form(Wizard)  # get_views + onchange
        wizard_opening.spec = form._view["fields_spec"]
        line_count = len(form.line_ids)
        move_count = None  # counted on the next openings
    else:
        result = Wizard.onchange({}, [], wizard_opening.spec)
        values = result["value"]["line_ids"]
        line_count = len(values)
        move_count = sum(len(vals[2].get("move_ids", ())) for vals in values)
    if profiler and attempt == last:
        profiler.disable()
    seconds = wall_clock() - started
    thread.query_hooks = []
    res = {
        "label": "first (views + onchange)" if attempt == 0 else f"#{attempt}",
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_started,
        "sql_seconds": sum(shape[1] for shape in tracker.shapes.values()),
        "queries": cr.sql_log_count - queries,
        "lines": line_count,
        "moves": move_count,
    }
    say(
        f"    {res['label']}: {seconds:.2f} s (CPU {res['cpu_seconds']:.2f} s, SQL "
        f"{res['sql_seconds']:.2f} s), {res['queries']} queries, {line_count} "
        "customers"
    )
    return res


def wall_clock():
    """Seconds of a monotonic clock that freezegun does not freeze."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


class freeze_date:
    """Run the wizard "on" the data set's date (the web client's today)."""

    def __init__(self, day):
        self.day = day

    def __enter__(self):
        from freezegun import freeze_time

        moment = datetime.datetime.combine(self.day, datetime.time(12, 0))
        self.freezer = freeze_time(moment)
        self.freezer.start()

    def __exit__(self, *exc):
        self.freezer.stop()


def report_wizard(args, results):
    opens = [r for r in results if r["label"] != results[0]["label"]] or results
    best = min(opens, key=lambda r: r["seconds"])
    say("")
    say(
        f'"Relancer" wizard on {args.wizard} overdue invoices ({args.customers} '
        f"customers): best {best['seconds']:.2f} s (CPU {best['cpu_seconds']:.2f} s, "
        f"SQL {best['sql_seconds']:.2f} s), "
        f"{best['queries']} queries, {best['lines']} lines / {best['moves']} invoices; "
        f"first opening with the views {results[0]['seconds']:.2f} s, "
        f"{results[0]['queries']} queries (budget: 2 s)"
    )


def report_email(results):
    fulls = [r for r in results if r["mode"] == "full" and not r["error"]]
    letters = [r for r in results if r["mode"] == "letter-only" and not r["error"]]
    if not (fulls and letters):
        return
    full = min(fulls, key=lambda r: r["seconds"])
    letter = min(letters, key=lambda r: r["seconds"])
    email = full["phases"].get("mail.template.send_mail_batch", [0, 0.0, 0])
    best = " (fastest of each)" if len(fulls) > 1 else ""
    say("")
    say(
        f"Email channel{best}: send_mail_batch took {email[1]:.2f} s and {email[2]} "
        f"queries of the full run ({100 * email[1] / full['seconds']:.0f}%); with "
        f"the {letter['switched_levels']} email levels switched to letters the run "
        f"takes {letter['seconds']:.2f} s instead of {full['seconds']:.2f} s "
        f"({full['seconds'] - letter['seconds']:+.2f} s, "
        f"{full['queries'] - letter['queries']:+d} queries)"
    )


# --------------------------------------------------------------------------
# dashboard

# Each report's read_group as its default graph or pivot asks it:
# (model, groupby, aggregates).
DASHBOARD_READS = [
    (
        "account.dunning.report.aging",
        ["date:month", "age_bucket"],
        ["amount_residual:sum"],
    ),
    ("account.dunning.report.dso", ["date:month"], ["dso:avg", "cei:avg"]),
    ("account.dunning.report.level", ["level_id"], ["overdue_amount:sum"]),
    ("account.dunning.report.channel", ["date:week", "channel"], ["__count"]),
    (
        "account.dunning.report.payment",
        ["level_id"],
        [
            "amount_reminded:sum",
            "amount_paid_7:sum",
            "paid_7_rate:avg",
            "amount_paid_15:sum",
            "paid_15_rate:avg",
            "amount_paid_30:sum",
            "paid_30_rate:avg",
        ],
    ),
    ("account.dunning.report.promise", ["date:month", "state"], ["__count"]),
    (
        "account.dunning.report.dispute",
        ["reason_id", "age_bucket"],
        ["amount_residual:sum"],
    ),
    (
        "account.dunning.report.controller",
        ["user_id"],
        [
            "customer_count:sum",
            "overdue_amount:sum",
            "call_count:sum",
            "promise_count:sum",
        ],
    ),
]
DASHBOARD_BUDGET = 1.0


def dashboard_user(env, company):
    """A credit controller of `company` only (created once, committed), so
    that the reports are read through their company rule as in the web
    client."""
    login = "benchmark_dashboard"
    user = (
        env["res.users"].with_context(active_test=False).search([("login", "=", login)])
    )
    if not user:
        user = env["res.users"].create(
            {
                "name": "Benchmark dashboard",
                "login": login,
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "groups_id": [
                    Command.set(env.ref(f"{MODULE}.group_account_dunning_user").ids)
                ],
            }
        )
        env.cr.commit()
    return user


def measure_dashboard(registry, args):
    """Each report's read_group, `args.repeat` times after a first call."""
    say(f"    VACUUM ANALYZE: {vacuum(args.database):.1f} s")
    results = []
    with registry.cursor() as cr:
        root = api.Environment(cr, SUPERUSER_ID, {})
        company = root.company
        user = dashboard_user(root, company)
        env = api.Environment(
            cr, user.id, {"lang": "en_US", "allowed_company_ids": company.ids}
        )
        for model, groupby, aggregates in DASHBOARD_READS:
            Report = env[model]
            fields_ = [name for name in aggregates if name != "__count"]
            times, queries, groups = [], 0, 0
            for _attempt in range(args.repeat + 1):
                env.invalidate_all()
                count = cr.sql_log_count
                started = wall_clock()
                rows = Report.read_group([], fields_, groupby, lazy=False)
                times.append(wall_clock() - started)
                queries, groups = cr.sql_log_count - count, len(rows)
            cr.execute(SQL("SELECT COUNT(*) FROM %s", SQL.identifier(Report._table)))
            results.append(
                {
                    "model": model,
                    "groupby": ", ".join(groupby),
                    "first": times[0],
                    "best": min(times[1:]),
                    "queries": queries,
                    "groups": groups,
                    "rows": cr.fetchone()[0],
                }
            )
            res = results[-1]
            say(
                f"    {model}: best {res['best']:.3f} s (first "
                f"{res['first']:.3f} s), {res['queries']} queries, "
                f"{res['groups']} groups of {res['rows']} rows"
            )
        cr.rollback()
    return results


def report_dashboard(args, marker, results):
    say("")
    say(
        f"Dashboard on {marker['invoices']} invoices ({marker['customers']} "
        f"customers), read_group as the web client asks it, best of {args.repeat} "
        f"(budget {DASHBOARD_BUDGET:.0f} s each):"
    )
    print_table(
        ["report", "group by", "rows", "groups", "best s", "first s", "queries"],
        [
            [
                res["model"].removeprefix("account.dunning.report."),
                res["groupby"],
                str(res["rows"]),
                str(res["groups"]),
                f"{res['best']:.3f}",
                f"{res['first']:.3f}",
                str(res["queries"]),
            ]
            for res in results
        ],
    )
    over = [res["model"] for res in results if res["best"] > DASHBOARD_BUDGET]
    say("over budget: " + ", ".join(over) if over else "all under budget")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--invoices", type=int, default=10000, help="default %(default)s"
    )
    parser.add_argument(
        "--customers", type=int, help="number of customers (default invoices / 5)"
    )
    parser.add_argument(
        "--database", "-d", default="dunning_bench", help="default %(default)s"
    )
    parser.add_argument(
        "--template-db", help="create the database as a copy of this one (faster)"
    )
    parser.add_argument(
        "--date",
        type=datetime.date.fromisoformat,
        help="run date (default: the data set's, else today)",
    )
    parser.add_argument(
        "--pdf-ratio",
        type=float,
        default=1.0,
        help="share of invoices that already have their PDF, as once sent from "
        "Odoo (default 1); the engine renders the others with wkhtmltopdf",
    )
    parser.add_argument(
        "--no-attach",
        action="store_true",
        help="measure with attach_invoices switched off on every level",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        help="account_dunning.batch_size for the measured run (default: the DB's)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="commit the measured run (with the --batch-size / --no-attach "
        "settings); the next call then rebuilds the data set",
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="/tmp/dunning_bench.prof",
        help="add a cProfile run writing this .prof (default %(const)s)",
    )
    parser.add_argument(
        "--log-sql",
        nargs="?",
        const="/tmp/dunning_bench_sql.log",
        help="log the queries of the measured run, with their caller, to this "
        "file (default %(const)s); slows the run a little",
    )
    parser.add_argument(
        "--no-email-compare",
        dest="email_compare",
        action="store_false",
        help="skip the second run with the email levels switched to letters",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure the run this many times (each rolled back; default 1)",
    )
    parser.add_argument(
        "--drop", action="store_true", help="drop the database at the end"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help=f"update {MODULE} in the database first (done anyway when the code "
        "has fields the database lacks)",
    )
    parser.add_argument("--addons-path", help="default: Odoo's + .build/addons")
    parser.add_argument(
        "--wizard",
        type=int,
        metavar="N",
        help='measure the opening of the "Relancer" wizard on N overdue invoices '
        "(N / 10 customers unless --customers) instead of the escalation",
    )
    parser.add_argument(
        "--dashboard",
        action="store_true",
        help="time the read_group of each dashboard report (SQL views) on the "
        "data set instead of the escalation",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="split the run into this many parts, measured by as many processes "
        "started together, as the nightly cron workers share a night (default 1)",
    )
    parser.add_argument(
        "--escalation-only",
        action="store_true",
        help="measure the escalation only: the reminders are decided and "
        "recorded, their emails stay queued",
    )
    parser.add_argument(
        "--orm-notes",
        action="store_true",
        help="write the chatter notes through the ORM's _message_log_batch "
        "instead of one INSERT (to measure what the INSERT saves)",
    )
    parser.add_argument(
        "--pdf-step",
        type=int,
        metavar="N",
        help="after the run, measure the later step of the job that renders the "
        "invoice PDFs the emails wait for, on N invoices (one call; not in the "
        "run's figures)",
    )
    parser.add_argument("--part", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--log-level", default="warn")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be positive")
    if args.workers > 1 and (args.profile or args.log_sql or args.keep):
        parser.error("--profile, --log-sql and --keep measure one process")
    if args.wizard:
        args.invoices = args.wizard
        args.customers = args.customers or max(1, args.wizard // 10)
    if args.invoices < 1 or args.repeat < 1:
        parser.error("--invoices and --repeat must be positive")
    args.customers = args.customers or max(1, args.invoices // 5)
    if args.customers > args.invoices:
        parser.error("--customers cannot exceed --invoices")
    return args


def serves_http(args):
    """Invoices without their PDF: wkhtmltopdf needs the report CSS from an
    HTTP server, as in production."""
    return args.pdf_ratio < 1 and not args.no_attach and not args.wizard


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bootstrap(args):
    args.addons_path = args.addons_path or default_addons_path()
    options = [
        f"--addons-path={args.addons_path}",
        f"--log-level={args.log_level}",
    ]
    if serves_http(args):
        args.http_port = free_port()
        options += [f"--http-port={args.http_port}", f"--database={args.database}"]
    odoo.tools.config.parse_config(options, setup_logging=True)
    marker = ensure_database(args)
    if marker and args.date is None:
        args.date = datetime.date.fromisoformat(marker["date"])
    args.date = args.date or datetime.date.today()
    odoo.tools.config["db_name"] = args.database
    registry = load_registry(args)
    if serves_http(args):
        odoo.service.server.ThreadedServer(odoo.http.root).http_spawn()
    if not marker:
        marker = build_dataset(registry, args)
    else:
        say(
            f"Reusing the data set of {args.database} ({marker['invoices']} invoices, "
            f"built in {marker.get('build_seconds', '?')} s)"
        )
    return registry, marker


def main(argv=None):
    args = parse_args(argv)
    if args.part is not None:
        return measure_part(args)
    registry, marker = bootstrap(args)
    if args.wizard:
        say(f'Measuring the "Relancer" wizard on {args.wizard} invoices...')
        args.repeat = max(args.repeat, 3)
        report_wizard(args, measure_wizard(registry, args))
        if args.profile:
            report_profile(args.profile)
        say("")
        say("addon: " + addon_state())
        say("machine: " + machine_line())
        if args.drop:
            drop_database(args.database)
        return 0
    if args.dashboard:
        say("Measuring the dashboard's reports...")
        args.repeat = max(args.repeat, 3)
        report_dashboard(args, marker, measure_dashboard(registry, args))
        say("")
        say("addon: " + addon_state())
        say("machine: " + machine_line())
        if args.drop:
            drop_database(args.database)
        return 0
    with registry.cursor() as cr:
        cr.execute("SHOW server_version")
        pg_version = cr.fetchone()[0]
    results = []
    for mode, repeat in plan_measurements(args):
        label = mode if args.repeat == 1 or mode == "profiled" else f"{mode} #{repeat}"
        say(f"Measuring the run ({label})...")
        log_sql = args.log_sql if (mode, repeat) == ("full", 1) else None
        if args.workers > 1 and mode == "full":
            res = measure_parallel(args, marker)
        else:
            res = measure(registry, args, mode, marker, log_sql)
        res["label"], res["repeat"] = label, repeat
        results.append(res)
        say(f"    {res['seconds']:.2f} s, {res['queries']} queries")
    report_summary(args, results, pg_version)
    for res in results:
        if res["repeat"] == 1:
            report_details(res)
    report_email(results)
    if args.profile and any(res["mode"] == "profiled" for res in results):
        report_profile(args.profile)
    if args.log_sql:
        say(f"SQL log of the last measured run: {args.log_sql}")
    say("")
    say("addon: " + addon_state())
    say("machine: " + machine_line())
    if args.drop:
        drop_database(args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
