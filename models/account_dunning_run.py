"""The nightly run: batches, parts, locks and counters. Why a little over 600
lines: a run carries a counter per channel and per skip cause (a hundred lines
of fields) beside its batch loop; the rule is account_dunning_rule.py."""

import logging
import time
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger

from ..lib.snapshot import DunningSnapshot
from .account_dunning_action import VALIDATED_STATES, DunningReminderTaken

_logger = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock that serialises runs of one company.
RUN_LOCK_KEY = 741852


class AccountDunningRun(models.Model):
    """One escalation pass over a company's overdue invoices, as of `date`.

    The run reads its customers batch by batch, applies the escalation rule
    (`account.dunning.rule`, which the "Relancer" wizard applies too) and
    records every reminder. Everything is evaluated as of the run's date, so a
    run created for any date reproduces that night. Its counters say how many
    reminders went out by channel and why the others were skipped (one field
    per cause of `SKIP_CAUSES`).
    """

    _name = "account.dunning.run"
    _description = "Dunning run"
    _order = "date desc, worker, id desc"
    _check_company_auto = True
    _sql_constraints = [
        (
            "worker_in_parts",
            "CHECK (worker >= 0 AND worker < worker_count)",
            "A part of a run must be one of its parts.",
        ),
    ]

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("sending", "Sending"),
            ("done", "Done"),
        ],
        default="draft",
        required=True,
        readonly=True,
    )
    trigger = fields.Selection(
        [("cron", "Nightly job"), ("manual", "Manual")],
        default="manual",
        required=True,
        readonly=True,
    )
    worker = fields.Integer(
        string="Part",
        default=0,
        readonly=True,
        help="Nightly runs are split into parts, one per cron worker: this part "
        "reminds the customers whose number divided by the number of parts "
        "leaves this remainder.",
    )
    worker_count = fields.Integer(string="Parts", default=1, readonly=True)
    action_ids = fields.One2many("account.dunning.action", "run_id", readonly=True)
    cursor_partner_id = fields.Integer(
        readonly=True,
        help="Last customer processed: a run interrupted after a batch resumes here.",
    )
    start_datetime = fields.Datetime(string="Started", readonly=True)
    end_datetime = fields.Datetime(string="Ended", readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    batch_count = fields.Integer(string="Batches", readonly=True)
    partner_count = fields.Integer(string="Customers read", readonly=True)
    invoice_count = fields.Integer(string="Invoices read", readonly=True)
    action_count = fields.Integer(string="Reminders created", readonly=True)
    email_count = fields.Integer(string="Emails", readonly=True)
    sms_count = fields.Integer(string="SMS", readonly=True)
    letter_count = fields.Integer(string="Letters", readonly=True)
    call_count = fields.Integer(string="Calls", readonly=True)
    draft_count = fields.Integer(string="To confirm", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    skip_excluded = fields.Integer(string="Excluded invoices", readonly=True)
    skip_disputed = fields.Integer(string="Disputed invoices", readonly=True)
    skip_einvoice_refused = fields.Integer(
        string="Invoices refused on the e-invoicing platform",
        readonly=True,
        help="Latest status from the buyer's platform: refused (210) or rejected "
        "(213).",
    )
    skip_einvoice_paused = fields.Integer(
        string="Invoices on hold on the e-invoicing platform",
        readonly=True,
        help="Latest status from the buyer's platform: in dispute (207), "
        "suspended (208), factored (225, 226), or payment transmitted (211) "
        "within the days of the settings.",
    )
    skip_promise = fields.Integer(string="Promised invoices", readonly=True)
    skip_pending = fields.Integer(
        string="Invoices awaiting confirmation", readonly=True
    )
    skip_schedule = fields.Integer(
        string="Invoices in a payment schedule", readonly=True
    )
    skip_blocked = fields.Integer(string="Blocked customers", readonly=True)
    skip_paused = fields.Integer(string="Paused customers", readonly=True)
    skip_proceedings = fields.Integer(
        string="Customers in collective proceedings", readonly=True
    )
    skip_litigation = fields.Integer(string="Customers in litigation", readonly=True)
    skip_to_reconcile = fields.Integer(string="Customers to reconcile", readonly=True)
    skip_bank_line = fields.Integer(
        string="Payment received, to reconcile",
        readonly=True,
        help="Invoices held by a bank statement line not reconciled yet: its "
        "label or reference names them, or it came from their customer and "
        "covers its overdue amount.",
    )
    skip_minimum = fields.Integer(string="Customers under minimum", readonly=True)
    skip_interval = fields.Integer(
        string="Customers reminded too recently", readonly=True
    )
    skip_no_policy = fields.Integer(string="Customers without policy", readonly=True)
    pdf_rendered_count = fields.Integer(
        string="Invoice PDFs rendered",
        compute="_compute_pdf_counts",
        help="Invoice PDFs the run's emails waited for (Odoo kept none for "
        "these invoices), rendered after the night by the job's later step.",
    )
    pdf_failed_count = fields.Integer(
        string="Invoice PDFs not rendered",
        compute="_compute_pdf_counts",
        help="Invoice PDFs that could not be rendered: their emails left "
        "without them.",
    )
    pdf_errors = fields.Text(
        string="Why invoice PDFs were not rendered", compute="_compute_pdf_counts"
    )
    error_log = fields.Text(string="Errors", readonly=True)
    rate_warning = fields.Text(
        string="Reference rates",
        readonly=True,
        help="Set when the table of reference rates has no rate for the "
        "half-year of the run: late-payment penalties then use an older rate.",
    )

    @api.depends("date", "company_id", "worker", "worker_count")
    def _compute_name(self):
        for run in self:
            run.name = self.env._(
                "Dunning run of %(date)s — %(company)s",
                date=run.date and fields.Date.to_string(run.date),
                company=run.company_id.name,
            )
            if run.worker_count > 1:
                run.name += self.env._(
                    " (part %(part)s of %(count)s)",
                    part=run.worker + 1,
                    count=run.worker_count,
                )

    def _compute_pdf_counts(self):
        counts = self.env["account.dunning.invoice.pdf"]._read_run_counts(self)
        for run in self:
            (
                run.pdf_rendered_count,
                run.pdf_failed_count,
                run.pdf_errors,
            ) = counts.get(run.id, (0, 0, False))

    def init(self):
        # One nightly run per company, day and part, even when the cron workers
        # start together: the second one's INSERT fails instead of doubling it.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS account_dunning_run_nightly_part
                ON account_dunning_run (company_id, date, worker)
             WHERE trigger = 'cron'
            """
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_run(self):
        """Run every batch now, in this transaction (manual run, tests, demo)."""
        for run in self:
            if run.state == "done":
                raise UserError(
                    self.env._("This run is already done; create a new one.")
                )
            if not run._acquire_lock():
                raise UserError(
                    self.env._(
                        "Another dunning run is in progress for %(company)s; try "
                        "again in a few minutes.",
                        company=run.company_id.name,
                    )
                )
            while run.state != "done":
                run._process_batch()
        return True

    def action_open_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_action_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------

    @api.model
    def _cron_run(self, batch_size=None):
        """Nightly entry point: one batch of each company per call.

        A night's run of a company is split into parts (one per cron worker,
        system parameter ``account_dunning.workers``, 2 by default): each call
        takes the first part no other worker holds, so that the cron workers
        share the night and a single worker still does every part. Odoo's
        scheduler commits after each call and calls again while work remains
        (`_notify_progress`), so a crash loses one batch at most and the next
        call resumes the run where it stopped.
        """
        companies = self.env["res.company"].search([("id", "!=", False)])
        pending = self.browse()
        for company in companies:
            runs = self._get_nightly_runs(company)
            if runs is None:
                # another worker is creating them: call again (a new
                # transaction sees them)
                self.env["ir.cron"]._notify_progress(done=1, remaining=1)
                return True
            pending |= runs.filtered(lambda r: r.state != "done")
        busy = self.browse()  # parts another worker is on: its to finish
        for _company, runs in pending.grouped("company_id").items():
            for run in runs._sorted_for_this_worker():
                if run._acquire_lock():
                    run._process_batch_or_leave_it(batch_size)
                    break
                busy |= run
        remaining = sum(run._count_remaining() for run in pending - busy)
        done = sum(pending.mapped("partner_count"))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return True

    def _process_batch_or_leave_it(self, batch_size):
        """One batch of the nightly job. When a user reminded some of its
        invoices at the same level while it ran (`DunningReminderTaken`), the
        batch is undone and left to the next call, whose snapshot sees that
        reminder and skips those invoices: nothing is sent twice, and no
        database error reaches the scheduler's log."""
        try:
            with self.env.cr.savepoint():
                self.with_company(self.company_id)._process_batch(batch_size)
        except DunningReminderTaken as error:
            _logger.info(
                "Dunning run %s: batch left to the next call (%s)", self.id, error
            )

    @api.model
    def _get_nightly_runs(self, company):
        """Today's parts of the nightly run of `company`, created by the first
        worker; None when another worker is creating them right now."""
        today = self._company_today(company)
        runs = self.search(
            [
                ("company_id", "=", company.id),
                ("date", "=", today),
                ("trigger", "=", "cron"),
            ]
        )
        if runs:
            return runs
        count = self._get_worker_count()
        try:
            # another worker may be creating them: its rows make this creation
            # fail (unique index), quietly, and the next call uses them
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                runs = self.create(
                    [
                        {
                            "company_id": company.id,
                            "date": today,
                            "trigger": "cron",
                            "worker": worker,
                            "worker_count": count,
                        }
                        for worker in range(count)
                    ]
                )
        except (psycopg2.IntegrityError, psycopg2.errors.SerializationFailure):
            return None
        return runs

    @api.model
    def _get_worker_count(self):
        count = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("account_dunning.workers", 2)
        )
        return max(count, 1)

    def _sorted_for_this_worker(self):
        """The parts in the order this cron worker tries them: each nightly
        job starts with its own part, then helps with the others."""
        crons = (
            self.env["ir.cron"]
            .sudo()
            .search([("model_id.model", "=", self._name)], order="id")
        )
        cron_id = self.env.context.get("cron_id")
        offset = crons.ids.index(cron_id) if cron_id in crons.ids else 0
        return self.sorted(lambda run: (run.worker - offset) % run.worker_count)

    @api.model
    def _company_today(self, company):
        return self.env["account.dunning.rule"]._get_company_today(company)

    # ------------------------------------------------------------
    # ENGINE
    # ------------------------------------------------------------

    def _acquire_lock(self):
        """Take this run for the current transaction, or say it is taken.

        A whole run (manual, or a nightly run in one part) excludes any other
        run of the company; the parts of a nightly run exclude each other's
        part only, so several workers share the night. Then the run's own row
        is locked: when another worker changed it since this transaction began
        (a batch committed meanwhile), this transaction's view of it is stale
        and the run is left for the next call.
        """
        self.ensure_one()
        function = (
            "pg_try_advisory_xact_lock_shared"
            if self.worker_count > 1
            else "pg_try_advisory_xact_lock"
        )
        self.env.cr.execute(
            SQL(
                "SELECT %s(%s, %s)",
                SQL(function),
                RUN_LOCK_KEY,
                self.company_id.id,
            )
        )
        if not self.env.cr.fetchone()[0]:
            return False
        if not isinstance(self.id, int):
            return True
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM account_dunning_run WHERE id = %s"
                        " FOR NO KEY UPDATE NOWAIT",
                        self.id,
                    ),
                    log_exceptions=False,
                )
        except (
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.SerializationFailure,
        ):
            return False
        return True

    def _get_batch_size(self):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("account_dunning.batch_size", 1000)
        )

    def _get_lead_days(self):
        """How far ahead of their due date invoices are read (pre-due levels)."""
        self.ensure_one()
        delays = (
            self.env["account.dunning.level"]
            .search([("company_id", "=", self.company_id.id)])
            .mapped("delay")
        )
        return max([0] + [-delay for delay in delays])

    def _candidate_partners_sql(self, lead_days, select):
        return SQL(
            """
            SELECT %(select)s
              FROM account_move m
             WHERE m.company_id = %(company)s
               AND %(open)s
               AND m.invoice_date_due <= %(horizon)s
               AND m.commercial_partner_id > %(cursor)s
               AND MOD(m.commercial_partner_id, %(count)s) = %(worker)s
            """,
            select=select,
            company=self.company_id.id,
            open=self.env["account.dunning.rule"]._get_open_invoice_sql("m"),
            horizon=self.date + timedelta(days=lead_days),
            cursor=self.cursor_partner_id,
            count=self.worker_count,
            worker=self.worker,
        )

    def _count_remaining(self):
        """Customers left to escalate plus reminders left to compose."""
        self.ensure_one()
        if self.state == "done":
            return 0
        remaining = self._count_queued()
        if self.state != "sending":
            self.env.cr.execute(
                self._candidate_partners_sql(
                    self._get_lead_days(),
                    SQL("COUNT(DISTINCT m.commercial_partner_id)"),
                )
            )
            remaining += self.env.cr.fetchone()[0]
        return remaining

    def _get_queued_ids(self, limit=None):
        """Reminders of this run's customers waiting for their email or SMS,
        this run's and any an interrupted night left behind; not the emails
        waiting for invoice PDFs (`account.dunning.invoice.pdf`)."""
        Pdf = self.env["account.dunning.invoice.pdf"]
        Pdf._flush()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM account_dunning_action a
                 WHERE company_id = %(company)s AND state = 'queued'
                   AND date <= %(date)s AND MOD(partner_id, %(count)s) = %(worker)s
                   AND NOT %(waiting)s
              ORDER BY id
                 LIMIT %(limit)s
                """,
                company=self.company_id.id,
                date=self.date,
                count=self.worker_count,
                worker=self.worker,
                waiting=Pdf._get_waiting_sql("a"),
                limit=limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _count_queued(self):
        return len(self._get_queued_ids())

    def _process_batch(self, batch_size=None):
        """One unit of the run: escalate the next batch of customers, then
        compose the emails and SMS it queued (once every customer is escalated,
        only what is left to compose). Returns the actions created."""
        self.ensure_one()
        started = time.monotonic()
        if self.state == "draft":
            self.write({"state": "running", "start_datetime": fields.Datetime.now()})
            # Once per run, before escalating: promises due are kept or broken,
            # and a schedule defaulted tonight sends its invoices to the formal
            # notice in this very run.
            self.env["account.dunning.promise"]._cron_check_promises(
                self.company_id, self.date, self._is_in_part
            )
            self.env["account.dunning.schedule"]._cron_update_schedules(
                self.company_id, self.date, self._is_in_part
            )
            if not self.worker:
                # once a night, by its first part: the parts would each create
                # the manager's to-do and wait for one another's follower row
                self.rate_warning = self.env[
                    "account.dunning.rate"
                ]._check_half_year_rates(self.company_id, self.date)
                # receipts an electronic registered-mail service knows start
                # the deadlines and interest this run reads (no provider
                # shipped: nothing happens without one)
                self.env["account.dunning.registered.provider"]._fetch_updates(
                    company=self.company_id
                )
            self.env["account.dunning.delivery"]._check_stale_deliveries(
                self.company_id, self.worker_count, self.worker
            )
        self.env.flush_all()
        batch_size = batch_size or self._get_batch_size()
        actions = self.env["account.dunning.action"]
        if self.state == "running":
            actions = self._escalate_batch(batch_size)
        self._deliver_batch(batch_size)
        self.write({"duration": self.duration + time.monotonic() - started})
        return actions

    def _is_in_part(self, partner):
        """Whether this run (or this part of a nightly run) reminds `partner`."""
        return partner.commercial_partner_id.id % self.worker_count == self.worker

    def _escalate_batch(self, batch_size):
        """Apply the rule to the next customers and record every reminder; the
        emails and SMS are only queued, `_deliver_batch` composes them."""
        lead_days = self._get_lead_days()
        query = self._candidate_partners_sql(
            lead_days, SQL("DISTINCT m.commercial_partner_id")
        )
        self.env.cr.execute(SQL("%s ORDER BY 1 LIMIT %s", query, batch_size))
        partner_ids = [row[0] for row in self.env.cr.fetchall()]
        vals = {"batch_count": self.batch_count + 1}
        actions = self.env["account.dunning.action"]
        if partner_ids:
            snapshot = self._read_snapshot(partner_ids)
            Rule = self.env["account.dunning.rule"]
            evaluation = Rule._apply(snapshot)
            vals_list = Rule._prepare_reminders(self, evaluation["proposals"], snapshot)
            # automatic levels are validated as they are created, each reminder
            # and line written once in its final state
            self.env["account.dunning.send"]._validate_reminders(
                [
                    action_vals
                    for action_vals in vals_list
                    if Rule._is_automatic(snapshot.levels[action_vals["level_id"]])
                ],
                snapshot,
            )
            vals_list, actions, _joined = self._create_reminders(vals_list)
            self.env["account.dunning.send"]._log_in_chatter(
                actions.browse(
                    [
                        action_id
                        for action_id, action_vals in zip(
                            actions.ids, vals_list, strict=True
                        )
                        if action_vals.get("state") in VALIDATED_STATES
                    ]
                )
            )
            vals.update(
                self._get_counters_vals(
                    evaluation,
                    [(v["channel"], v.get("state", "draft")) for v in vals_list],
                    [
                        (
                            snapshot.customers[v["partner_id"]].display_name,
                            v["error_message"],
                        )
                        for v in vals_list
                        if v.get("state") == "failed"
                    ],
                )
            )
            vals["cursor_partner_id"] = partner_ids[-1]
        if len(partner_ids) < batch_size:
            vals["state"] = "sending"
        self.write(vals)
        return actions

    def _deliver_batch(self, batch_size):
        """Compose the queued emails and SMS, a batch at a time; once every
        customer is escalated, the run is done when none is left. A reminder
        that cannot be composed fails alone, with the reason in the run's
        errors. Returns the reminders delivered."""
        queued = self.env["account.dunning.action"].browse(
            self._get_queued_ids(limit=batch_size)
        )
        delivered = queued._deliver()
        vals = {}
        failed = queued.filtered(lambda a: a.state == "failed")
        if failed:
            vals.update(
                self._get_failure_vals(
                    [(a.partner_id.display_name, a.error_message) for a in failed]
                )
            )
        if self.state == "sending" and len(queued) < batch_size:
            vals.update({"state": "done", "end_datetime": fields.Datetime.now()})
            Pdf = self.env["account.dunning.invoice.pdf"]
            if Pdf._fetch_missing(1):
                Pdf._trigger()  # the later step: the PDFs emails wait for
        self.write(vals)
        return delivered

    def _get_failure_vals(self, failures):
        """Counters and error log of failed reminders, given as (customer name,
        reason) pairs."""
        errors = "\n".join(f"{name}: {message}" for name, message in failures)
        return {
            "failed_count": self.failed_count + len(failures),
            "error_log": "\n".join(filter(None, [self.error_log, errors])),
        }

    def _get_counters_vals(self, evaluation, channel_states, failures=()):
        """The run's counters after a batch: `channel_states` lists the
        (channel, state) of each reminder created, `failures` the failed ones
        as (customer name, reason)."""
        by_channel = defaultdict(int)
        for channel, _state in channel_states:
            by_channel[channel] += 1
        vals = {
            "partner_count": self.partner_count + evaluation["partner_count"],
            "invoice_count": self.invoice_count + evaluation["invoice_count"],
            "action_count": self.action_count + len(channel_states),
            "email_count": self.email_count + by_channel["email"],
            "sms_count": self.sms_count + by_channel["sms"],
            "letter_count": self.letter_count + by_channel["letter"],
            "call_count": self.call_count + by_channel["call"],
            "draft_count": self.draft_count
            + sum(1 for _channel, state in channel_states if state == "draft"),
        }
        if failures:
            vals.update(self._get_failure_vals(failures))
        for cause, count in evaluation["skipped"].items():
            vals[cause] = self[cause] + count
        return vals

    def _evaluate(self, partners, move_ids=None, ignore_interval=False):
        """The rule on the customers' open invoices as of the date, with records
        (the "Relancer" wizard): proposals hold the customer, its policy and
        {invoice: level} targets. `move_ids` restricts the invoices;
        `ignore_interval` lets a user remind again before the interval."""
        self.ensure_one()
        snapshot = self._read_snapshot(partners.ids, move_ids)
        evaluation = self.env["account.dunning.rule"]._apply(snapshot, ignore_interval)
        Move = self.env["account.move"]
        Level = self.env["account.dunning.level"]
        evaluation["proposals"] = [
            {
                "partner": partners.browse(proposal["partner_id"]),
                "policy": self.env["account.dunning.policy"].browse(
                    proposal["policy_id"]
                ),
                "targets": {
                    Move.browse(move_id): Level.browse(level_id)
                    for move_id, level_id in proposal["targets"].items()
                },
                "amount_due": proposal["amount_due"],
            }
            for proposal in evaluation["proposals"]
        ]
        return evaluation

    def _read_snapshot(self, partner_ids, move_ids=None):
        """What the rule needs about these customers' open invoices (all of
        them, or `move_ids` only), read in a fixed number of queries."""
        return DunningSnapshot(self, partner_ids, move_ids)

    def _create_actions(self, proposals):
        """Draft reminders for the "Relancer" wizard's proposals (records, as
        `_evaluate` returns them, plus the channels chosen); the wizard
        validates them with `_execute`."""
        plain = [
            {
                "partner_id": proposal["partner"].id,
                "policy_id": proposal["policy"].id,
                "targets": {
                    move.id: level.id for move, level in proposal["targets"].items()
                },
                "amount_due": proposal["amount_due"],
                "channels": proposal.get("channels"),
            }
            for proposal in proposals
        ]
        snapshot = self._read_snapshot(
            [proposal["partner_id"] for proposal in plain],
            [move_id for proposal in plain for move_id in proposal["targets"]],
        )
        _vals_list, actions, joined = self._create_reminders(
            self.env["account.dunning.rule"]._prepare_reminders(self, plain, snapshot)
        )
        return actions | joined

    def _create_reminders(self, vals_list):
        """Record the reminders `vals_list` in bulk; a formal notice joins the
        customer's notice awaiting approval, if any (one waits per customer)."""
        Line = self.env["account.dunning.action.line"]
        pending = Line._get_pending_notices(vals_list)
        created = [vals for index, vals in enumerate(vals_list) if index not in pending]
        actions = self.env["account.dunning.action"]._create_bulk(created)
        pairs = [(pending[index], vals_list[index]) for index in sorted(pending)]
        return created, actions, Line._join_pending_notices(pairs)
