from collections import defaultdict

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv.expression import normalize_domain
from odoo.tools import SQL, format_date, mute_logger

from ..lib.formats import DunningFormats
from ..lib.sql import (
    array_literal,
    insert_columns,
    next_ids,
    null,
    update_column,
    update_records,
)

CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("letter", "Letter"),
    ("call", "Phone call"),
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
}
# Fields of account.move that read the reminders history.
DUNNING_STATE_FIELDS = ("dunning_level_id", "dunning_last_date", "dunning_count")
# The unique index: one invoice reaches one level through one channel once.
LINE_ONCE_INDEX = "account_dunning_action_line_once"


# Columns written by `_create_bulk`, with their PostgreSQL types.
ACTION_BULK_COLUMNS = [
    ("company_id", "int4"),
    ("partner_id", "int4"),
    ("level_id", "int4"),
    ("date", "date"),
    ("channel", "varchar"),
    ("user_id", "int4"),
    ("run_id", "int4"),
    ("amount_due", "numeric"),
    ("error_message", "text"),
    ("validated_date", "timestamp"),
    ("validated_by_id", "int4"),
    ("activity_id", "int4"),
]
LINE_BULK_COLUMNS = [
    ("move_id", "int4"),
    ("level_id", "int4"),
    ("date_due", "date"),
    ("days_overdue", "int4"),
    ("amount_total", "numeric"),
    ("amount_residual", "numeric"),
]


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
        ],
        string="Outcome",
        tracking=True,
    )
    note = fields.Text()
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
    registered_mail_ref = fields.Char(
        string="Registered mail number", tracking=True, copy=False
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
        "state",
        "channel",
        "partner_id.street",
        "partner_id.city",
        "partner_id.zip",
        "partner_id.phone",
        "partner_id.mobile",
        "contact_ids.email",
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
            raise UserError(_("Only “is set” and “is not set” can be searched."))
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
                _(
                    "A reminder that was sent is part of the evidence history and "
                    "cannot be deleted; cancel it instead."
                )
            )
        if any(action.state == "sending" for action in self):
            raise UserError(
                _(
                    "This reminder's email or SMS is on its way to the customer: "
                    "cancel the reminder instead of deleting it."
                )
            )

    # ------------------------------------------------------------
    # MAIL THREAD
    # ------------------------------------------------------------

    def _message_receive_bounce(self, email, partner):
        """The customer's mail server sent a reminder email back: the reminder
        did not reach that recipient (`account.dunning.send`)."""
        super()._message_receive_bounce(email, partner)
        self.env["account.dunning.send"]._record_email_bounce(self, email)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_validate(self):
        """Confirm reminders waiting in the work queue and send them."""
        if any(action.state != "draft" for action in self):
            raise UserError(_("Only reminders to confirm can be sent."))
        notices = self.filtered("is_formal_notice")
        if notices and not self.env.user.has_group(
            "account_dunning.group_account_dunning_manager"
        ):
            raise UserError(
                _(
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
                _("A reminder already sent cannot be cancelled; it stays on record.")
            )
        sending = self.filtered(lambda a: a.state == "sending")
        self.state = "cancelled"
        sending.mail_id.sudo().filtered(lambda m: m.state == "outgoing").cancel()
        sending.sms_id.sudo().filtered(
            lambda s: s.state == "outgoing"
        ).action_set_canceled()
        return True

    def action_retry(self):
        """Put failed reminders back in the queue once the customer is fixed.

        A failed reminder holds none of its invoices, so the next night may
        have reminded them at the same level since. Nothing is sent twice: a
        failed reminder whose invoices all were reminded at its level through
        its channel since is cancelled, and a notification names the reminder
        that covers it (what the credit controller came to do is done, and
        the history keeps both). When only some of its invoices were, nothing
        changes and a message names the reminders that cover them: the user
        cancels this one and reminds the others with "Remind" (a reminder is
        evidence, it is not cut in two).
        """
        failed = self.filtered(lambda a: a.state == "failed")
        coverage = failed._get_coverage()
        covered = failed.browse()
        for action in failed:
            covering = coverage[action]
            if not covering:
                continue
            if len(covering) < len(action.line_ids):
                raise UserError(
                    _(
                        "Nothing was retried: some invoices of the reminder "
                        "%(reminder)s were reminded at the same level since — "
                        "%(covered)s. Cancel this failed reminder, then remind "
                        "its other invoices (%(others)s) with “Remind”.",
                        reminder=action.display_name,
                        covered="; ".join(
                            _(
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
                _(
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
                "title": _("Already reminded"),
                "message": "\n".join(
                    _(
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
                _(
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

    def action_open_moves(self):
        self.ensure_one()
        return self.move_ids._get_dunning_invoices_action(_("Reminded invoices"))

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _execute(self, track=False):
        """Validate reminders (a user confirming them, the "Relancer" wizard):
        letters wait to be printed, calls become activities, emails and SMS are
        composed at once by `_deliver`. An invoice moves up as soon as its
        letter waits to be printed or its call is scheduled, and once its email
        or SMS is taken by the server (not when it enters Odoo's queue: see
        `VALIDATED_STATES`). (The nightly job
        validates its automatic reminders before creating them:
        `_validate_vals`.) `track`: the state changes show in each reminder's
        chatter (a user confirming reminders that were waiting).

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
                    action._get_summary_html(formats),
                )
                for action in calls
            ]
        )
        update_column(calls, "activity_id", activities.ids)
        now = fields.Datetime.now()
        for state, actions in reachable.grouped(
            lambda a: VALIDATED_STATE_BY_CHANNEL[a.channel]
        ).items():
            actions._set_state(
                state, track, validated_date=now, validated_by_id=self.env.uid
            )
        validated = reachable.filtered(lambda a: a.state in VALIDATED_STATES)
        Send._log_in_chatter(validated)
        return validated | (reachable - validated)._deliver(track)

    def _deliver(self, track=False):
        """Compose queued emails and SMS into Odoo's mail and SMS queues,
        where they wait for the server's answer (state `sending`); returns the
        reminders handed over. They are done, logged in the chatter and their
        invoices move up once the mail or SMS server took them, or they fail
        with the server's reason (`account.dunning.send`, delivery outcome)."""
        Send = self.env["account.dunning.send"]
        queued = self.filtered(lambda a: a.state == "queued")
        composers = {"email": Send._compose_emails, "sms": Send._compose_sms}
        for channel, actions in queued.grouped("channel").items():
            composers[channel](actions, track)
        return queued.filtered(lambda a: a.state == "sending")

    @api.model
    def _create_bulk(self, vals_list):
        """Create reminders with their invoices and recipients in three
        INSERTs: the nightly job creates them by the thousand, and the ORM's
        create (one mail thread per record, one batch of line INSERTs per
        action) was a quarter of a run. `vals_list` holds plain values:
        `contact_ids` as a list of ids, `line_ids` as a list of dicts, `state`
        (draft by default; the lines take it too); no follower, no creation
        message, no tracking, as the ORM path did with `mail_create_nolog` and
        `mail_notrack`.
        """
        if not vals_list:
            return self.browse()
        self.flush_model()
        self.env["account.dunning.action.line"].flush_model()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                ids = self._insert_bulk(vals_list)
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.constraint_name != LINE_ONCE_INDEX:
                raise
            raise DunningReminderTaken(self._get_taken_message(vals_list)) from None
        # the inverse one2manys of records already in cache would miss the new
        # rows, and the invoices' reminder state follows the lines
        self.env["account.dunning.run"].invalidate_model(["action_ids"])
        self.env["account.move"].invalidate_model(
            ["dunning_action_line_ids", *DUNNING_STATE_FIELDS]
        )
        return self.browse(ids)

    @api.model
    def _insert_bulk(self, vals_list):
        """The three INSERTs of `_create_bulk`; returns the new ids."""
        cr = self.env.cr
        now = cr.now()
        uid = self.env.uid
        ids = next_ids(cr, self._table, len(vals_list))
        insert_columns(
            cr,
            self._table,
            {
                "id": (ids, "int4"),
                **{
                    name: ([null(vals.get(name)) for vals in vals_list], sql_type)
                    for name, sql_type in ACTION_BULK_COLUMNS
                },
                "state": (
                    [vals.get("state", "draft") for vals in vals_list],
                    "varchar",
                ),
            },
            uid,
            now,
        )
        contacts = [
            (action_id, contact_id)
            for action_id, vals in zip(ids, vals_list, strict=True)
            for contact_id in dict.fromkeys(vals.get("contact_ids") or ())
        ]
        insert_columns(
            cr,
            "account_dunning_action_contact_rel",
            {
                "action_id": ([row[0] for row in contacts], "int4"),
                "partner_id": ([row[1] for row in contacts], "int4"),
            },
        )
        lines = [
            (action_id, vals, line)
            for action_id, vals in zip(ids, vals_list, strict=True)
            for line in vals.get("line_ids") or ()
        ]
        insert_columns(
            cr,
            "account_dunning_action_line",
            {
                "action_id": ([row[0] for row in lines], "int4"),
                "state": ([row[1].get("state", "draft") for row in lines], "varchar"),
                "channel": ([row[1]["channel"] for row in lines], "varchar"),
                "date": ([row[1]["date"] for row in lines], "date"),
                **{
                    name: ([null(row[2].get(name)) for row in lines], sql_type)
                    for name, sql_type in LINE_BULK_COLUMNS
                },
            },
        )
        return ids

    @api.model
    def _get_taken_message(self, vals_list):
        """Why reminders could not be created: an invoice of theirs already
        has a reminder at the same level through the same channel (another
        user, or the nightly job, reminded it between the moment the rule was
        read and now). Names the reminders when this transaction can see them
        (a transaction that committed meanwhile is not visible to this one)."""
        slots = {
            (line["move_id"], line["level_id"], vals["channel"])
            for vals in vals_list
            for line in vals.get("line_ids") or ()
        }
        self.env.cr.execute(
            SQL(
                """
                SELECT o.move_id, o.action_id
                  FROM account_dunning_action_line o
                  JOIN unnest(%s::int4[], %s::int4[], %s::varchar[])
                           AS v(move_id, level_id, channel)
                    ON o.move_id = v.move_id AND o.level_id = v.level_id
                   AND o.channel = v.channel
                 WHERE o.state IN %s
              ORDER BY o.move_id
                """,
                array_literal([slot[0] for slot in slots], "int4"),
                array_literal([slot[1] for slot in slots], "int4"),
                array_literal([slot[2] for slot in slots]),
                ACTIVE_STATES,
            )
        )
        Move = self.env["account.move"]
        taken = [
            _(
                "%(invoice)s by %(reminder)s",
                invoice=Move.browse(move_id).name,
                reminder=self.browse(action_id).display_name,
            )
            for move_id, action_id in self.env.cr.fetchall()
        ]
        if not taken:
            taken = Move.browse({slot[0] for slot in slots}).mapped("name")
        return _(
            "Nothing was created: another user or the nightly job reminded these "
            "invoices at the same level, through the same channel, a moment ago "
            "(%(invoices)s). Nothing is sent twice: open “Remind” again to see "
            "what is left to remind.",
            invoices="; ".join(taken[:20]) + ("…" if len(taken) > 20 else ""),
        )

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

    def _get_coverage(self):
        """{reminder: {its line: the reminder holding that line's slot}}: the
        invoices of the reminders that another reminder (to confirm, on its
        way, to print or sent) covers at the same level through the same
        channel, read in one query."""
        coverage = {action: {} for action in self}
        if not self:
            return coverage
        Line = self.env["account.dunning.action.line"]
        Line.flush_model(["action_id", "move_id", "level_id", "channel", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT l.id, o.action_id
                  FROM account_dunning_action_line l
                  JOIN account_dunning_action_line o
                    ON o.move_id = l.move_id AND o.level_id = l.level_id
                   AND o.channel = l.channel AND o.action_id != l.action_id
                   AND o.state IN %s
                 WHERE l.action_id = ANY(%s)
              ORDER BY l.id
                """,
                ACTIVE_STATES,
                self.ids,
            )
        )
        for line_id, action_id in self.env.cr.fetchall():
            line = Line.browse(line_id)
            coverage[line.action_id][line] = self.browse(action_id)
        return coverage

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

    @api.model
    def _validate_vals(self, vals_list, snapshot):
        """Validate reminders before they are created (nightly job): each gets
        the state it would reach through `_execute`, or fails with the reason,
        and call tasks are created first, so that reminders and lines are
        written once, in their final state. `snapshot` (the batch's
        `DunningSnapshot`) knows the customers and their contacts."""
        now = fields.Datetime.now()
        formats = DunningFormats(self.env)
        Level = self.env["account.dunning.level"]
        Rule = self.env["account.dunning.rule"]
        Send = self.env["account.dunning.send"]
        contacts = snapshot.contacts
        currency = snapshot.company.currency_id
        calls = []
        for vals in vals_list:
            reason = Rule._get_unreachable_reason(
                vals["channel"],
                contacts[vals["partner_id"]],
                [contacts[contact_id] for contact_id in vals["contact_ids"]],
            )
            if reason:
                vals.update(state="failed", error_message=reason)
                continue
            vals.update(
                state=VALIDATED_STATE_BY_CHANNEL[vals["channel"]],
                validated_date=now,
                validated_by_id=self.env.uid,
            )
            if vals["channel"] == "call":
                calls.append(vals)
        activities = self.env["mail.activity"]._dunning_create_calls(
            [
                Send._prepare_call_activity_vals(
                    contacts[vals["partner_id"]],
                    Level.browse(vals["level_id"]),
                    vals["date"],
                    vals["user_id"],
                    Send._format_summary_html(
                        formats, vals["amount_due"], currency, vals["line_ids"]
                    ),
                )
                for vals in calls
            ]
        )
        for vals, activity_id in zip(calls, activities.ids, strict=True):
            vals["activity_id"] = activity_id
        return vals_list

    def _get_letter_reference(self):
        """Reference printed once, on the first page of the letter: the customer
        quotes it, and the batch PDF is cut into letters where it appears."""
        self.ensure_one()
        if not isinstance(self.id, int):
            return _("RL-(preview)")
        return f"RL-{self.id:08d}"

    def _get_sms_contact(self):
        self.ensure_one()
        return next(
            (c for c in self.contact_ids if c.phone_sanitized or c.mobile),
            self.env["res.partner"],
        )

    def _get_summary_html(self, formats=None):
        """Invoices of the reminder as an HTML table (call notes)."""
        self.ensure_one()
        return self.env["account.dunning.send"]._format_summary_html(
            formats or DunningFormats(self.env),
            self.amount_due,
            self.currency_id,
            [
                {
                    "move_name": line.move_id.name,
                    "date_due": line.date_due,
                    "amount_residual": line.amount_residual,
                    "currency_id": line.currency_id.id,
                }
                for line in self.line_ids
            ],
        )
