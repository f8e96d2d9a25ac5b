import logging
import subprocess
from collections import defaultdict

import psycopg2

from odoo import api, models
from odoo.tools import SQL, mute_logger

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from ..lib.sql import insert_columns

_logger = logging.getLogger(__name__)

# Invoices rendered per call of the job (one wkhtmltopdf call), by default.
PDF_BATCH_SIZE = 50
# Names of the invoices listed in the run's errors for one reason.
ERROR_NAMES_SHOWN = 10
# Whether this server's wkhtmltopdf renders several documents in one call,
# once asked (`_renders_several_documents`).
MULTI_DOCUMENT = {"ok": None}


def _renders_several_documents():
    """Only a wkhtmltopdf built with patched Qt renders several documents in
    one call (`wkhtmltopdf --version` says "with patched qt"); Debian's fails
    on any two, whatever they are."""
    if MULTI_DOCUMENT["ok"] is None:
        try:
            version = subprocess.run(
                [_get_wkhtmltopdf_bin(), "--version"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            version = ""
        MULTI_DOCUMENT["ok"] = "patched qt" in version.lower()
    return MULTI_DOCUMENT["ok"]


class AccountDunningInvoicePdf(models.AbstractModel):
    """The invoice PDFs attached to reminder emails.

    A level may attach each invoice's PDF to its emails: the legal PDF Odoo
    kept when the invoice was sent, else one rendered for the reminder. The
    night never renders: an email whose invoices all have their PDF is
    composed at once; the others wait in state *Queued* while a later step
    of the job (`_cron_render`, triggered when a run is over) renders the
    missing PDFs a batch at a time, keeps each on the reminder's line
    (`invoice_pdf_id`, or `invoice_pdf_error` when it cannot be rendered),
    counts them on the reminders' runs, then composes the emails now
    complete. An invoice whose PDF cannot be rendered does not hold its
    email back: it leaves without that PDF.
    """

    _name = "account.dunning.invoice.pdf"
    _description = "Invoice PDFs of reminder emails"

    # ------------------------------------------------------------
    # WHICH EMAILS WAIT
    # ------------------------------------------------------------

    @api.model
    def _get_waiting_sql(self, alias):
        """SQL condition: the reminder of the query's `alias` is an email
        waiting for invoice PDFs (queued, its level attaches them, and one of
        its invoices has neither a PDF kept by Odoo nor one rendered or
        failed for it)."""
        return SQL(
            """(%(action)s.state = 'queued' AND %(action)s.channel = 'email'
                AND EXISTS (
                    SELECT 1
                      FROM account_dunning_level wl
                      JOIN account_dunning_action_line wa
                        ON wa.action_id = %(action)s.id
                     WHERE wl.id = %(action)s.level_id
                       AND wl.attach_invoices
                       AND %(missing)s))""",
            action=SQL.identifier(alias),
            missing=self._get_line_missing_sql("wa"),
        )

    @api.model
    def _get_line_missing_sql(self, alias):
        """SQL condition: the reminder line of the query's `alias` still lacks
        its invoice's PDF (none kept by Odoo, none rendered, none failed)."""
        return SQL(
            """%(line)s.invoice_pdf_id IS NULL
               AND %(line)s.invoice_pdf_error IS NULL
               AND NOT EXISTS (
                    SELECT 1 FROM ir_attachment kept
                     WHERE kept.res_model = 'account.move'
                       AND kept.res_id = %(line)s.move_id
                       AND kept.res_field = 'invoice_pdf_report_file')""",
            line=SQL.identifier(alias),
        )

    @api.model
    def _get_waiting(self, actions):
        """The reminders of `actions` waiting for invoice PDFs."""
        if not actions:
            return actions
        self._flush()
        self.env.cr.execute(
            SQL(
                "SELECT a.id FROM account_dunning_action a"
                " WHERE a.id = ANY(%s) AND %s",
                actions.ids,
                self._get_waiting_sql("a"),
            )
        )
        return actions.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _flush(self):
        self.env["account.dunning.run"].flush_model(["state"])
        self.env["account.dunning.action"].flush_model(["state", "channel", "level_id"])
        self.env["account.dunning.action.line"].flush_model()
        self.env["account.dunning.level"].flush_model(["attach_invoices"])
        self.env["ir.attachment"].flush_model(["res_model", "res_id", "res_field"])

    @api.model
    def _trigger(self):
        """Have the job render the PDFs the emails wait for, as soon as a cron
        worker is free."""
        self.env["account.dunning.send"]._trigger_cron(
            "account_dunning.account_dunning_cron_invoice_pdf"
        )

    # ------------------------------------------------------------
    # ATTACHING
    # ------------------------------------------------------------

    @api.model
    def _attach(self, actions):
        """Attach each invoice's PDF to its reminder's email: the one Odoo kept
        when the invoice was sent, else the one rendered for the reminder; an
        invoice whose PDF could not be rendered has none."""
        kept = {
            move.id: move.invoice_pdf_report_id.id
            for move in actions.move_ids
            if move.invoice_pdf_report_id
        }
        links = {
            (action.mail_id.mail_message_id.id, pdf_id)
            for action in actions
            for line in action.line_ids
            for pdf_id in [kept.get(line.move_id.id) or line.invoice_pdf_id.id]
            if pdf_id
        }
        # one INSERT for the batch (the ORM links them one email at a time)
        self.env["mail.message"].flush_model(["attachment_ids"])
        insert_columns(
            self.env.cr,
            "message_attachment_rel",
            {
                "message_id": ([link[0] for link in links], "int4"),
                "attachment_id": ([link[1] for link in links], "int4"),
            },
        )
        self.env["mail.message"].invalidate_model(["attachment_ids"])
        self.env["mail.mail"].invalidate_model(["attachment_ids"])

    # ------------------------------------------------------------
    # RENDERING
    # ------------------------------------------------------------

    @api.model
    def _get_invoice_pdfs(self, moves):
        """{invoice id: its PDF attachment}, now: the legal PDF Odoo kept when
        the invoice was sent, else one rendered now (a user asking for a
        duplicate; the night uses `_cron_render`)."""
        missing = moves.filtered(lambda m: not m.invoice_pdf_report_id)
        rendered, _errors = self._render(missing)
        return {
            move.id: move.invoice_pdf_report_id or rendered[move.id]
            for move in moves
            if move.invoice_pdf_report_id or move.id in rendered
        }

    @api.model
    def _render(self, moves):
        """Render the invoices' PDFs with Odoo's invoice report into
        attachments of the invoices: ({invoice id: attachment}, {invoice id:
        why it could not be rendered}).

        All in one wkhtmltopdf call, as Odoo sends invoices, where wkhtmltopdf
        can (`_renders_several_documents`); when that call fails, or where it
        cannot (Debian's), each invoice is rendered alone, so that the one
        that breaks fails alone."""
        rendered, errors = {}, {}
        if len(moves) > 1 and _renders_several_documents():
            if not self._render_batch(moves, rendered):
                return rendered, errors
        for move in moves:
            error = self._render_batch(move, rendered)
            if error:
                errors[move.id] = error
        return rendered, errors

    @api.model
    def _render_batch(self, moves, rendered):
        """One wkhtmltopdf call for the invoices `moves`: their attachments go
        in `rendered` ({invoice id: attachment}); returns why it failed, else
        None."""
        try:
            with self.env.cr.savepoint():
                streams, report_type = self.env[
                    "ir.actions.report"
                ]._pre_render_qweb_pdf("account.account_invoices", moves.ids)
                if report_type != "pdf":
                    # Odoo renders HTML instead in test mode
                    raise ValueError(self.env._("the report engine produced no PDF"))
                if any(not streams.get(move.id, {}).get("stream") for move in moves):
                    raise ValueError(self.env._("the report engine left one out"))
                attachments = self.env["ir.attachment"].create(
                    [
                        {
                            "name": move._get_invoice_report_filename(),
                            "raw": streams[move.id]["stream"].getvalue(),
                            "mimetype": "application/pdf",
                            "res_model": "account.move",
                            "res_id": move.id,
                        }
                        for move in moves
                    ]
                )
        except Exception as error:  # noqa: BLE001 - the reminder matters more
            _logger.info("Invoice PDFs %s could not be rendered: %s", moves.ids, error)
            return str(error).strip() or type(error).__name__
        rendered.update(zip(moves.ids, attachments, strict=True))
        return None

    # ------------------------------------------------------------
    # THE LATER STEP OF THE NIGHT
    # ------------------------------------------------------------

    @api.model
    def _cron_render(self, batch_size=None):
        """Render the PDFs the reminder emails wait for, one batch of invoices
        per call (those of the oldest reminders first), then compose the
        emails that have them all. Odoo's scheduler commits after each call
        and calls again while some wait (`_notify_progress`). Nothing is
        written on the runs: their counts are read from the reminders' lines
        (`_read_run_counts`), so this step never waits for a run still busy
        with a batch. Returns the reminders composed."""
        size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("account_dunning.pdf_batch_size", PDF_BATCH_SIZE)
        )
        moves = self.env["account.move"].browse(self._fetch_missing(size))
        rendered, errors = {}, {}
        for company, company_moves in moves.grouped("company_id").items():
            company_rendered, company_errors = self.with_company(company)._render(
                company_moves
            )
            rendered.update(company_rendered)
            errors.update(company_errors)
        actions = self._record_pdfs(rendered, errors)
        ready = actions - self._get_waiting(actions)
        composed = ready._deliver()
        self._log_failures(ready)
        remaining = len(self._fetch_missing(None))
        self.env["ir.cron"]._notify_progress(done=len(moves), remaining=remaining)
        _logger.info(
            "Invoice PDFs of reminder emails: %s rendered, %s failed, %s emails "
            "composed, %s invoices left",
            len(rendered),
            len(errors),
            len(composed),
            remaining,
        )
        return composed

    @api.model
    def _fetch_missing(self, limit):
        """Invoices whose PDF reminder emails wait for, those of the oldest
        reminders first (all of them without `limit`)."""
        self._flush()
        self.env.cr.execute(
            SQL(
                """
                SELECT l.move_id
                  FROM account_dunning_action a
                  JOIN account_dunning_action_line l ON l.action_id = a.id
                 WHERE %(waiting)s
                   AND %(missing)s
              GROUP BY l.move_id
              ORDER BY MIN(a.id), l.move_id
                 LIMIT %(limit)s
                """,
                waiting=self._get_waiting_sql("a"),
                missing=self._get_line_missing_sql("l"),
                limit=limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _record_pdfs(self, rendered, errors):
        """Keep the rendered PDFs (`rendered`: {invoice id: attachment}) and
        the reasons of those that failed (`errors`: {invoice id: reason}) on
        the lines of the reminders waiting for them. Returns the reminders
        concerned."""
        move_ids = list(rendered) + list(errors)
        if not move_ids:
            return self.env["account.dunning.action"]
        self._flush()
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_dunning_action_line l
                   SET invoice_pdf_id = v.pdf_id, invoice_pdf_error = v.error
                  FROM unnest(%(moves)s::int[], %(pdfs)s::int[], %(errors)s::varchar[])
                       AS v(move_id, pdf_id, error),
                       account_dunning_action a
                 WHERE l.move_id = v.move_id
                   AND a.id = l.action_id
                   AND %(waiting)s
                   AND l.invoice_pdf_id IS NULL
                   AND l.invoice_pdf_error IS NULL
             RETURNING a.id
                """,
                moves=move_ids,
                pdfs=[
                    rendered[move_id].id if move_id in rendered else None
                    for move_id in move_ids
                ],
                errors=[errors.get(move_id) for move_id in move_ids],
                waiting=self._get_waiting_sql("a"),
            )
        )
        action_ids = list(dict.fromkeys(row[0] for row in self.env.cr.fetchall()))
        self.env["account.dunning.action.line"].invalidate_model(
            ["invoice_pdf_id", "invoice_pdf_error"]
        )
        return self.env["account.dunning.action"].browse(action_ids)

    @api.model
    def _log_failures(self, actions):
        """The reminders of `actions` whose email failed when composed here
        count on their runs, with the reason, as the night's own do; a run
        busy with a batch right now (its row locked) is left alone: the
        reminder and the work queue say it."""
        failed = actions.filtered(lambda a: a.state == "failed" and a.run_id)
        if not failed:
            return
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM account_dunning_run WHERE id = ANY(%s)"
                        " FOR NO KEY UPDATE SKIP LOCKED",
                        failed.run_id.ids,
                    ),
                    log_exceptions=False,
                )
                locked = {row[0] for row in self.env.cr.fetchall()}
        except psycopg2.errors.SerializationFailure:
            return
        for run, run_failed in failed.grouped("run_id").items():
            if run.id in locked:
                run.write(
                    run._get_failure_vals(
                        [
                            (a.partner_id.display_name, a.error_message)
                            for a in run_failed
                        ]
                    )
                )

    # ------------------------------------------------------------
    # WHAT THE RUNS SAY
    # ------------------------------------------------------------

    @api.model
    def _read_run_counts(self, runs):
        """{run id: (invoice PDFs rendered, not rendered, why not)} for the
        emails of `runs`, read from their reminders' lines in one query."""
        run_ids = [run_id for run_id in runs.ids if isinstance(run_id, int)]
        if not run_ids:
            return {}
        self._flush()
        self.env.cr.execute(
            SQL(
                """
                SELECT a.run_id, l.move_id, m.name, l.invoice_pdf_error
                  FROM account_dunning_action a
                  JOIN account_dunning_action_line l ON l.action_id = a.id
                  JOIN account_move m ON m.id = l.move_id
                 WHERE a.run_id = ANY(%s)
                   AND (l.invoice_pdf_id IS NOT NULL
                        OR l.invoice_pdf_error IS NOT NULL)
              ORDER BY a.run_id, m.name, l.move_id
                """,
                run_ids,
            )
        )
        done = defaultdict(set)
        failed = defaultdict(lambda: defaultdict(dict))
        for run_id, move_id, name, error in self.env.cr.fetchall():
            if error:
                failed[run_id][error][move_id] = name
            else:
                done[run_id].add(move_id)
        return {
            run_id: (
                len(done[run_id]),
                len(set().union(*failed[run_id].values())),
                "\n".join(
                    self._format_error(list(names.values()), error)
                    for error, names in failed[run_id].items()
                )
                or False,
            )
            for run_id in set(done) | set(failed)
        }

    @api.model
    def _format_error(self, names, error):
        shown = names[:ERROR_NAMES_SHOWN] + (
            ["…"] if len(names) > ERROR_NAMES_SHOWN else []
        )
        return self.env._(
            "%(count)s invoice PDFs not rendered, their emails left without them "
            "(%(invoices)s): %(error)s",
            count=len(names),
            invoices=", ".join(shown),
            error=error,
        )
