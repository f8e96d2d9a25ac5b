"""Reminders history: over 600 lines because one model keeps states and actions."""

from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv.expression import normalize_domain
from odoo.tools import SQL, format_date, mute_logger

from ..lib.formats import DunningFormats
from ..lib.sql import insert_reminders, update_column, update_records
from .account_dunning_level import SEND_MODES

# "portal": an answer of the customer on its page (/my/reminders/<token>),
# recorded done and without invoice lines: never sent, never a level's
# channel, no slot in the unique index, not a reminder for the interval
# (account.dunning.portal).
CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("letter", "Letter"),
    ("call", "Phone call"),
    ("portal", "Customer page"),
]
STATES = [
    ("draft", "To confirm"),
    ("queued", "Queued"),
    ("sending", "Being sent"),
    ("to_send", "To print"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# States in which a reminder counts: it was sent, or is waiting to be printed.
# An email or SMS counts once Odoo's mail or SMS queue says the server took it
# (`done`), not while it waits in that queue (`sending`): a reminder that never
# left must not move its invoices up, nor the next level be built on it.
VALIDATED_STATES = ("to_send", "done")
# States in which a reminder holds its (invoice, level, channel) slot: an email
# on its way (`sending`) holds it, so that the next night does not send the
# same level again while the first one waits for the mail server.
ACTIVE_STATES = ("draft", "queued", "sending", "to_send", "done")
# State of a reminder once validated, by channel: emails and SMS wait to be
# composed (`_deliver`), then for the server's answer (`sending`, see
# `account.dunning.send`), letters to be printed, calls are scheduled at once.
VALIDATED_STATE_BY_CHANNEL = {
    "email": "queued",
    "sms": "queued",
    "letter": "to_send",
    "call": "done",
    "portal": "done",
}
# Fields of account.move that read the reminders history.
DUNNING_STATE_FIELDS = ("dunning_level_id", "dunning_last_date", "dunning_count")
# The unique index: one invoice reaches one level through one channel once.
LINE_ONCE_INDEX = "account_dunning_action_line_once"


class DunningReminderTaken(UserError):
    """Reminders that would remind an invoice at a level through a channel a
    second time (unique index `LINE_ONCE_INDEX`): another user or the nightly
    job reminded it between the moment the rule was read and the INSERT. A
    user reads why; the nightly job leaves the batch to its next call, which
    sees the other reminder and skips those invoices."""


class AccountDunningAction(models.Model):
    """One reminder to one customer through one channel: the evidence history.

    The record and its life (confirm, cancel, retry, print); composing its
    email, SMS and chatter notes is `account.dunning.send`'s job, printing its
    letter the letter report's.
    """

    _name = "account.dunning.action"
    _description = "Dunning action"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        help="Commercial entity reminded.",
    )
    contact_ids = fields.Many2many(
        "res.partner",
        "account_dunning_action_contact_rel",
        "action_id",
        "partner_id",
        string="Recipients",
    )
    line_ids = fields.One2many(
        "account.dunning.action.line", "action_id", string="Invoices", readonly=True
    )
    credit_ids = fields.One2many(
        "account.dunning.action.credit",
        "action_id",
        string="Credits deducted",
        readonly=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        string="Invoice list",
        compute="_compute_move_ids",
        search="_search_move_ids",
    )
    level_id = fields.Many2one(
        "account.dunning.level",
        index=True,
        readonly=True,
        help="Empty for a call logged before the customer reached any level.",
    )
    is_formal_notice = fields.Boolean(related="level_id.is_formal_notice")
    date = fields.Date(required=True, index=True, readonly=True)
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    state = fields.Selection(
        STATES,
        default="draft",
        required=True,
        index=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", index=True, tracking=True
    )
    run_id = fields.Many2one(
        "account.dunning.run", index="btree_not_null", ondelete="set null"
    )
    amount_due = fields.Monetary(readonly=True)
    result = fields.Selection(
        [
            ("reached", "Reached"),
            ("no_answer", "No answer"),
            ("wrong_number", "Wrong number"),
            ("promise", "Promise of payment"),
            ("dispute", "Dispute"),
            ("already_paid", "Says already paid"),
            ("duplicate", "Asks for a duplicate"),
            ("plan_request", "Asks for a payment schedule"),
        ],
        string="Outcome",
        tracking=True,
    )
    reason_id = fields.Many2one(
        "account.dunning.reason",
        string="Reason given",
        index="btree_not_null",
        tracking=True,
        help="The reason for not paying, or the excuse, given on this call.",
    )
    call_date = fields.Datetime(string="Called at", readonly=True, copy=False)
    note = fields.Text()
    personal_message = fields.Text(help="From the Remind dialog, above the invoices.")
    attach_statement = fields.Boolean(string="Join the account statement")
    attach_terms = fields.Boolean(string="Join the general terms of sale")
    error_message = fields.Text(readonly=True)
    validated_date = fields.Datetime(readonly=True, copy=False)
    validated_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    mail_id = fields.Many2one(
        "mail.mail", readonly=True, copy=False, index="btree_not_null"
    )
    activity_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, ondelete="set null"
    )
    sms_id = fields.Many2one(
        "sms.sms",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
    )
    bounced_emails = fields.Char(
        string="Bounced addresses",
        readonly=True,
        copy=False,
        help="Recipients' addresses whose mail server sent the reminder email "
        "back. The reminder fails once every recipient's address bounced.",
    )
    unreachable_reason = fields.Text(
        string="Cannot be sent",
        compute="_compute_unreachable_reason",
        search="_search_unreachable_reason",
        help="Why this reminder, waiting for a confirmation, would fail if it "
        "were confirmed now (no email, no mobile, no phone number or no "
        "complete postal address): complete the customer or its recipients "
        "first.",
    )
    letter_attachment_id = fields.Many2one(
        "ir.attachment", readonly=True, copy=False, ondelete="set null"
    )
    send_mode = fields.Selection(SEND_MODES, readonly=True, help="From the level.")
    snailmail_letter_id = fields.Many2one(
        "snailmail.letter", readonly=True, copy=False, index="btree_not_null"
    )
    snailmail_state = fields.Selection(related="snailmail_letter_id.state")
    registered_mail_ref = fields.Char(
        string="Registered mail number", tracking=True, copy=False
    )
    registered_mail_mode = fields.Selection(
        [
            ("lrar", "Registered letter with acknowledgement of receipt"),
            ("lre", "Electronic registered letter"),
            ("bailiff", "Served by a commissaire de justice"),
        ],
        string="Sent by",
        tracking=True,
        copy=False,
    )
    posted_date = fields.Date(string="Posted on", tracking=True, copy=False)
    received_date = fields.Date(
        string="Received on",
        tracking=True,
        copy=False,
        help="Date of receipt on the acknowledgement: it starts the payment "
        "deadline and, for a private person, the legal interest.",
    )
    proof_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Proof of receipt",
        copy=False,
        ondelete="restrict",
    )
    awaiting_receipt = fields.Boolean(compute="_compute_payment_deadline", store=True)
    payment_deadline = fields.Date(
        compute="_compute_payment_deadline",
        store=True,
        help="Last day to pay a formal notice: its days to pay counted from "
        "its receipt when it left by registered mail (empty while awaiting "
        "receipt), else from its date.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        # one read of the lines of every action, not one per action
        moves_by_action = defaultdict(list)
        for line in self.line_ids:
            moves_by_action[line.action_id.id].append(line.move_id.id)
        for action in self:
            action.move_ids = self.env["account.move"].browse(
                moves_by_action[action.id]
            )

    def _search_move_ids(self, operator, value):
        return [("line_ids.move_id", operator, value)]

    @api.depends(
        "is_formal_notice",
        "date",
        "registered_mail_mode",
        "received_date",
        "partner_id.dunning_debtor_category",
        "level_id.payment_deadline_days",
    )
    def _compute_payment_deadline(self):
        for action in self:
            registered = action.is_formal_notice and action.registered_mail_mode
            action.awaiting_receipt = bool(registered and not action.received_date)
            start = (
                action.received_date
                if action.registered_mail_mode
                else action.received_date or action.date
            )
            if not action.is_formal_notice or not start:
                action.payment_deadline = False
                continue
            category = action.partner_id.dunning_debtor_category or "b2b"
            action.payment_deadline = start + timedelta(
                days=action.level_id._get_deadline_days(category)
            )

    @api.depends(
        "state",
        "channel",
        "partner_id.street",
        "partner_id.city",
        "partner_id.zip",
        "partner_id.phone",
        "partner_id.mobile",
        "contact_ids.email",
        "contact_ids.message_bounce",
        "contact_ids.phone",
        "contact_ids.mobile",
        "contact_ids.phone_sanitized",
    )
    def _compute_unreachable_reason(self):
        """The engine's rule (`account.dunning.rule`), read when the reminder
        is shown rather than stored when it is created: the night creates
        reminders by the thousand without reading their customers again, and
        the flag clears as soon as the customer is completed. The customers
        and recipients of a list are read at once (prefetch)."""
        Rule = self.env["account.dunning.rule"]
        for action in self:
            action.unreachable_reason = (
                action.state == "draft"
                and Rule._get_unreachable_reason(
                    action.channel, action.partner_id, action.contact_ids
                )
            ) or False

    def _search_unreachable_reason(self, operator, value):
        if operator not in ("=", "!=") or value not in (False, None, ""):
            raise UserError(
                self.env._("Only “is set” and “is not set” can be searched.")
            )
        domain = [("state", "=", "draft")] + self.env[
            "account.dunning.rule"
        ]._get_unreachable_domain()
        return domain if operator == "!=" else ["!", *normalize_domain(domain)]

    @api.depends("partner_id", "level_id", "date", "channel")
    def _compute_display_name(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for action in self:
            action.display_name = "{} — {} — {} ({})".format(
                action.partner_id.display_name or "",
                action.level_id.name or "",
                format_date(self.env, action.date) if action.date else "",
                channels.get(action.channel, ""),
            )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("posted_date", "received_date")
    def _check_registered_dates(self):
        Provider = self.env["account.dunning.registered.provider"]
        for action in self:
            if error := Provider._get_dates_error(
                action.posted_date, action.received_date
            ):
                raise ValidationError(error)

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals:
            self._copy_state_to_lines(vals["state"])
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(action.state in VALIDATED_STATES for action in self):
            raise UserError(
                self.env._(
                    "A reminder that was sent is part of the evidence history and "
                    "cannot be deleted; cancel it instead."
                )
            )
        if any(action.state == "sending" for action in self):
            raise UserError(
                self.env._(
                    "This reminder's email or SMS is on its way to the customer: "
                    "cancel the reminder instead of deleting it."
                )
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_validate(self):
        """Confirm reminders waiting in the work queue and send them."""
        if any(action.state != "draft" for action in self):
            raise UserError(self.env._("Only reminders to confirm can be sent."))
        notices = self.filtered("is_formal_notice")
        if notices and not self.env.user.has_group(
            "account_dunning.group_account_dunning_manager"
        ):
            raise UserError(
                self.env._(
                    "A formal notice must be approved by a credit manager "
                    "(group “Dunning: manager”)."
                )
            )
        self._execute(track=True)
        return True

    def action_cancel(self):
        """Cancel reminders not sent yet; an email or SMS still waiting in
        Odoo's queue is cancelled with its reminder, so that nothing reaches
        the customer that the history says was cancelled."""
        if any(action.state == "done" for action in self):
            raise UserError(
                self.env._(
                    "A reminder already sent cannot be cancelled; it stays on record."
                )
            )
        sending = self.filtered(lambda a: a.state == "sending")
        self.state = "cancelled"
        sending.mail_id.sudo().filtered(lambda m: m.state == "outgoing").cancel()
        sending.sms_id.sudo().filtered(
            lambda s: s.state == "outgoing"
        ).action_set_canceled()
        letters = self.filtered(lambda a: a.channel == "letter").snailmail_letter_id
        letters.filtered(lambda lt: lt.state in ("pending", "error")).cancel()
        return True

    def action_retry(self):
        """Put failed reminders back in the queue once the customer is fixed.

        A failed reminder holds none of its invoices, so the next night may have
        reminded them at the same level since. Nothing is sent twice: a failed reminder
        whose invoices all were reminded at its level through its channel since is
        cancelled, and a notification names the reminder that covers it (what the credit
        controller came to do is done, and the history keeps both). When only some of
        its invoices were, nothing changes and a message names the reminders that cover
        them: the user cancels this one and reminds the others with "Remind" (a reminder
        is evidence, it is not cut in two).
        """
        failed = self.filtered(lambda a: a.state == "failed")
        coverage = self.env["account.dunning.action.line"]._get_coverage(failed)
        covered = failed.browse()
        for action in failed:
            covering = coverage[action]
            if not covering:
                continue
            if len(covering) < len(action.line_ids):
                raise UserError(
                    self.env._(
                        "Nothing was retried: some invoices of the reminder "
                        "%(reminder)s were reminded at the same level since — "
                        "%(covered)s. Cancel this failed reminder, then remind "
                        "its other invoices (%(others)s) with “Remind”.",
                        reminder=action.display_name,
                        covered="; ".join(
                            self.env._(
                                "%(invoice)s by %(covering)s",
                                invoice=line.move_id.name,
                                covering=other.display_name,
                            )
                            for line, other in covering.items()
                        ),
                        others=", ".join(
                            action.line_ids.filtered(
                                lambda line, covering=covering: line not in covering
                            ).move_id.mapped("name")
                        ),
                    )
                )
            covered |= action
        retried = failed - covered
        covered.write({"state": "cancelled"})
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                retried.write({"state": "draft", "error_message": False})
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.constraint_name != LINE_ONCE_INDEX:
                raise
            raise UserError(
                self.env._(
                    "Several of these failed reminders are for the same invoices "
                    "at the same level: retry only one of them and cancel the "
                    "others."
                )
            ) from None
        if not covered:
            return True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Already reminded"),
                "message": "\n".join(
                    self.env._(
                        "%(reminder)s: its invoices were reminded at the same "
                        "level since, by %(covering)s. It is cancelled; nothing "
                        "is sent twice.",
                        reminder=action.display_name,
                        covering=", ".join(
                            dict.fromkeys(
                                other.display_name
                                for other in coverage[action].values()
                            )
                        ),
                    )
                    for action in covered
                ),
                "type": "info",
                "sticky": True,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_mark_printed(self):
        letters = self.filtered(lambda a: a.state == "to_send")
        letters.state = "done"
        return True

    def action_print_letters(self):
        """Print the selected letters as one PDF, in one wkhtmltopdf call, and
        file those waiting to be printed (see the letter report)."""
        letters = self.filtered(
            lambda a: a.channel == "letter" and a.state in VALIDATED_STATES
        )
        if not letters:
            raise UserError(
                self.env._(
                    "Select letters that were confirmed: reminders by letter that "
                    "are to print or already done."
                )
            )
        return self.env["report.account_dunning.report_dunning_letter"]._print_letters(
            letters
        )

    def action_log_call(self):
        """Log the outcome of this call (or of a new one with this customer)."""
        self.ensure_one()
        return self.env["account.dunning.call.wizard"]._get_log_call_action(
            self.partner_id, action=self
        )

    def action_record_receipt(self):
        self.ensure_one()
        return self.env["account.dunning.registered.wizard"]._get_open_action(self)

    def action_open_moves(self):
        self.ensure_one()
        return self.move_ids._get_dunning_invoices_action(
            self.env._("Reminded invoices")
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _execute(self, track=False):
        """Validate reminders (a user confirming them, the "Relancer" wizard):
        letters wait to be printed, calls become activities, emails and SMS are
        composed at once by `_deliver`. An invoice moves up as soon as its
        letter waits to be printed or its call is scheduled, and once its email
        or SMS is taken by the server (not when it enters Odoo's queue: see
        `VALIDATED_STATES`). (The nightly job validates its automatic
        reminders before creating them: `account.dunning.send.
        _validate_reminders`.) `track`: the state changes show in each
        reminder's chatter (a user confirming reminders that were waiting).

        One failing customer (no address, template error) fails its own action
        with the reason, never the batch.
        """
        Rule = self.env["account.dunning.rule"]
        Send = self.env["account.dunning.send"]
        reasons = {
            action: Rule._get_unreachable_reason(
                action.channel, action.partner_id, action.contact_ids
            )
            for action in self
        }
        for reason, actions in self.grouped(reasons.get).items():
            if reason:
                actions._set_state("failed", track, error_message=reason)
        reachable = self.browse([action.id for action in self if not reasons[action]])
        calls = reachable.filtered(lambda a: a.channel == "call")
        formats = DunningFormats(self.env)
        activities = self.env["mail.activity"]._dunning_create_calls(
            [
                Send._prepare_call_activity_vals(
                    action.partner_id,
                    action.level_id,
                    action.date,
                    action.user_id.id,
                    Send._get_summary_html(action, formats),
                )
                for action in calls
            ]
        )
        update_column(calls, "activity_id", activities.ids)
        now = fields.Datetime.now()
        for state, actions in reachable.grouped(
            lambda a: Send._get_validated_state(a.channel, a.send_mode)
        ).items():
            actions._set_state(
                state, track, validated_date=now, validated_by_id=self.env.uid
            )
        validated = reachable.filtered(lambda a: a.state in VALIDATED_STATES)
        Send._log_in_chatter(validated)
        return validated | (reachable - validated)._deliver(track)

    def _deliver(self, track=False):
        """Compose queued emails and SMS into Odoo's mail and SMS queues, and
        hand queued letters sent by post to Odoo's postal service (snailmail),
        where they wait for the server's answer (state `sending`); returns the
        reminders handed over. They are done, logged in the chatter and their
        invoices move up once the mail or SMS server took them, or they fail
        with the server's reason (`account.dunning.send`, delivery outcome)."""
        Send = self.env["account.dunning.send"]
        queued = self.filtered(lambda a: a.state == "queued")
        composers = {"email": Send._compose_emails, "sms": Send._compose_sms}
        composers["letter"] = Send._post_letters
        for channel, actions in queued.grouped("channel").items():
            composers[channel](actions, track)
        return queued.filtered(lambda a: a.state == "sending")

    @api.model
    def _create_bulk(self, vals_list):
        """Create reminders with their invoices and recipients in three
        INSERTs: the nightly job creates them by the thousand, and the ORM's
        create (one mail thread per record, one batch of line INSERTs per
        action) was a quarter of a run. `vals_list` holds plain values:
        `contact_ids` as a list of ids, `line_ids` as a list of dicts,
        `credits` as `lib.snapshot.Credit` tuples (the credits deducted), `state`
        (draft by default; the lines take it too); no follower, no creation
        message, no tracking, as the ORM path did with `mail_create_nolog` and
        `mail_notrack`.
        """
        if not vals_list:
            return self.browse()
        self.env["account.dunning.send"]._prepare_send_mode(vals_list)
        self.flush_model()
        self.env["account.dunning.action.line"].flush_model()
        self.env["account.dunning.action.credit"].flush_model()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                ids = insert_reminders(self.env.cr, vals_list, self.env.uid)
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.constraint_name != LINE_ONCE_INDEX:
                raise
            raise DunningReminderTaken(
                self.env["account.dunning.action.line"]._get_taken_message(vals_list)
            ) from None
        # the inverse one2manys of records already in cache would miss the new
        # rows, and the invoices' reminder state follows the lines
        self.env["account.dunning.run"].invalidate_model(["action_ids"])
        self.invalidate_model(["credit_ids"])
        self.env["account.move"].invalidate_model(
            ["dunning_action_line_ids", *DUNNING_STATE_FIELDS]
        )
        actions = self.browse(ids)
        # the stored computes the INSERT skipped (a formal notice's deadline)
        for fname in ("payment_deadline", "awaiting_receipt"):
            self.env.add_to_compute(self._fields[fname], actions)
        return actions

    def _copy_state_to_lines(self, state):
        """The lines carry their reminder's state (the unique index on invoice ×
        level × channel depends on it): one UPDATE for the whole recordset,
        where a stored related field wrote them a hundred rows at a time."""
        if not self.ids:
            return
        lines = self.env["account.dunning.action.line"]
        lines.flush_model(["state"])
        self.env.cr.execute(
            SQL(
                "UPDATE account_dunning_action_line SET state = %s"
                " WHERE action_id IN %s AND state != %s",
                state,
                tuple(self.ids),
                state,
            )
        )
        lines.invalidate_model(["state"])
        self.env["account.move"].invalidate_model(list(DUNNING_STATE_FIELDS))

    def _set_state(self, state, track=False, **vals):
        """Move the reminders to `state` (with other plain `vals`).

        The engine changes thousands of reminders at a time: one UPDATE for
        the reminders and one for their lines, nothing tracked, no write()
        override (the lines follow here). With `track`, a user's change, it
        goes through write() and its chatter tracking instead.
        """
        if track:
            self.write(dict(vals, state=state))
            return
        update_records(self, dict(vals, state=state))
        self._copy_state_to_lines(state)

    def _get_letter_reference(self):
        """Reference printed once, on the first page of the letter: the customer
        quotes it, and the batch PDF is cut into letters where it appears."""
        self.ensure_one()
        if not isinstance(self.id, int):
            return self.env._("RL-(preview)")
        return f"RL-{self.id:08d}"
