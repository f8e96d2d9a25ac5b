import ast
import io
import logging
import re
import subprocess
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round, format_date, get_lang
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from odoo.addons.base.models.res_lang import intersperse

from .bulk_insert import (
    array_literal,
    insert_columns,
    next_ids,
    null,
    update_column,
    update_records,
)

_logger = logging.getLogger(__name__)

CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("letter", "Letter"),
    ("call", "Phone call"),
]
STATES = [
    ("draft", "To confirm"),
    ("queued", "Queued"),
    ("to_send", "To print"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# States in which a reminder counts: it was sent, or is waiting to be printed.
VALIDATED_STATES = ("to_send", "done")
# States in which a reminder holds its (invoice, level, channel) slot.
ACTIVE_STATES = ("draft", "queued", "to_send", "done")
# State of a reminder once validated, by channel: emails and SMS wait to be
# composed (`_deliver`), letters to be printed, calls are scheduled at once.
VALIDATED_STATE_BY_CHANNEL = {
    "email": "queued",
    "sms": "queued",
    "letter": "to_send",
    "call": "done",
}
LETTER_REPORT = "account_dunning.action_report_dunning_letter"
# Fields of account.move that read the reminders history.
DUNNING_STATE_FIELDS = ("dunning_level_id", "dunning_last_date", "dunning_count")


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


class AccountDunningAction(models.Model):
    """One reminder to one customer through one channel: the evidence history."""

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
    mail_id = fields.Many2one("mail.mail", readonly=True, copy=False)
    activity_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, ondelete="set null"
    )
    sms_id = fields.Many2one("sms.sms", readonly=True, copy=False, ondelete="set null")
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
        self._execute()
        return True

    def action_cancel(self):
        if any(action.state == "done" for action in self):
            raise UserError(
                _("A reminder already sent cannot be cancelled; it stays on record.")
            )
        self.state = "cancelled"
        return True

    def action_retry(self):
        """Put failed reminders back in the queue once the customer is fixed."""
        failed = self.filtered(lambda a: a.state == "failed")
        failed.write({"state": "draft", "error_message": False})
        return True

    def action_mark_printed(self):
        letters = self.filtered(lambda a: a.state == "to_send")
        letters.state = "done"
        return True

    def action_print_letters(self):
        """Print the selected letters as one PDF, in one wkhtmltopdf call.

        Letters waiting to be printed are then filed: each one's own PDF is
        attached to its reminder and posted in the chatter, and it is marked
        done. Printing again later gives the same letters without filing twice.
        """
        letters = self.filtered(
            lambda a: a.channel == "letter" and a.state in VALIDATED_STATES
        ).sorted(lambda a: (a.partner_id.display_name or "", a.id))
        if not letters:
            raise UserError(
                _(
                    "Select letters that were confirmed: reminders by letter that "
                    "are to print or already done."
                )
            )
        pdf = letters._render_letters_pdf()
        to_file = letters.filtered(
            lambda a: a.state == "to_send" or not a.letter_attachment_id
        )
        if to_file:
            parts = letters._split_letters_pdf(pdf)
            to_file._file_letters({a: parts[a] for a in to_file})
        batch = self.env["ir.attachment"].create(
            {
                "name": _(
                    "Reminder letters %(date)s.pdf",
                    date=fields.Date.context_today(self).isoformat(),
                ),
                "raw": pdf,
                "mimetype": "application/pdf",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{batch.id}?download=true",
            "target": "download",
        }

    def action_log_call(self):
        """Log the outcome of this call (or of a new one with this customer)."""
        self.ensure_one()
        return self.env["account.dunning.call.wizard"]._get_open_action(
            self.partner_id, action=self
        )

    def action_open_moves(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reminded invoices"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.move_ids.ids)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _execute(self):
        """Validate reminders (a user confirming them, the "Relancer" wizard):
        letters wait to be printed, calls become activities, emails and SMS are
        composed at once by `_deliver`. An invoice moves up as soon as its
        reminder is printed, scheduled or in Odoo's mail queue. (The nightly job
        validates its automatic reminders before creating them:
        `_validate_vals`.)

        One failing customer (no address, template error) fails its own action
        with the reason, never the batch.
        """
        reasons = {
            action: self._get_unreachable_reason(
                action.channel, action.partner_id, action.contact_ids
            )
            for action in self
        }
        for reason, actions in self.grouped(reasons.get).items():
            if reason:
                actions._fail(reason)
        reachable = self.browse([action.id for action in self if not reasons[action]])
        calls = reachable.filtered(lambda a: a.channel == "call")
        formats = DunningFormats(self.env)
        activities = self.env["mail.activity"]._dunning_create_calls(
            [
                self._prepare_call_activity_vals(
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
            actions._set_state(state, validated_date=now, validated_by_id=self.env.uid)
        validated = reachable.filtered(lambda a: a.state in VALIDATED_STATES)
        validated._log_in_chatter()
        return validated | (reachable - validated)._deliver()

    def _deliver(self):
        """Compose queued emails and SMS into Odoo's mail and SMS queues (their
        invoices move up with them: see account.dunning.move.state); returns
        the reminders delivered."""
        queued = self.filtered(lambda a: a.state == "queued")
        composers = {"email": self._compose_emails, "sms": self._compose_sms}
        for channel, actions in queued.grouped("channel").items():
            composers[channel](actions)
        delivered = queued.filtered(lambda a: a.state == "done")
        delivered._log_in_chatter()
        return delivered

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
        cr = self.env.cr
        now = cr.now()
        uid = self.env.uid
        self.flush_model()
        self.env["account.dunning.action.line"].flush_model()
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
        # the inverse one2manys of records already in cache would miss the new
        # rows, and the invoices' reminder state follows the lines
        self.env["account.dunning.run"].invalidate_model(["action_ids"])
        self.env["account.move"].invalidate_model(
            ["dunning_action_line_ids", *DUNNING_STATE_FIELDS]
        )
        return self.browse(ids)

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

    def _set_state(self, state, **vals):
        """State changes of the engine, on thousands of reminders at a time: one
        UPDATE for the reminders, one for their lines. A tracked change (a user
        confirming reminders) goes through write() and its chatter tracking."""
        if not self.env.context.get("mail_notrack"):
            self.write(dict(vals, state=state))
            return
        update_records(self, dict(vals, state=state))
        self._copy_state_to_lines(state)

    def _fail(self, message):
        self._set_state("failed", error_message=message)

    def _compose_emails(self, actions):
        """Queue the reminders' emails, one batch per level: every field is
        rendered once per language and the emails are created in one go
        (`mail.template._dunning_queue_mail_batch`). When a batch fails, the
        reminders that break it are found and fail alone."""
        for level, level_actions in actions.grouped("level_id").items():
            mail_by_action = level_actions._queue_emails_isolating_failures(
                level.mail_template_id
            )
            sent = level_actions.browse(
                [action.id for action in level_actions if action.id in mail_by_action]
            )
            update_column(sent, "mail_id", [mail_by_action[a.id].id for a in sent])
            sent._set_state("done")
            if level.attach_invoices:
                sent._attach_invoice_pdfs()

    def _attach_invoice_pdfs(self):
        """Attach each invoice's PDF to its reminder email: the legal PDF Odoo
        kept when the invoice was sent, else one rendered now (one wkhtmltopdf
        call for all the invoices missing one)."""
        pdfs = self._get_invoice_pdfs(self.move_ids)
        links = {
            (action.mail_id.mail_message_id.id, pdfs[move.id].id)
            for action in self
            for move in action.move_ids
            if move.id in pdfs
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

    @api.model
    def _get_invoice_pdfs(self, moves):
        """{invoice id: its PDF attachment}: the legal PDF Odoo kept when the
        invoice was sent, else one rendered now (one wkhtmltopdf call)."""
        missing = moves.filtered(lambda m: not m.invoice_pdf_report_id)
        rendered = {}
        if missing:
            try:
                with self.env.cr.savepoint():
                    streams, report_type = self.env[
                        "ir.actions.report"
                    ]._pre_render_qweb_pdf("account.account_invoices", missing.ids)
            except Exception:  # noqa: BLE001 - the reminder matters more than its PDF
                _logger.warning("Invoice PDFs could not be rendered", exc_info=True)
                streams, report_type = {}, "failed"
            if report_type == "pdf":
                vals_list = [
                    {
                        "name": move._get_invoice_report_filename(),
                        "raw": streams[move.id]["stream"].getvalue(),
                        "mimetype": "application/pdf",
                        "res_model": "account.move",
                        "res_id": move.id,
                    }
                    for move in missing
                    if streams.get(move.id, {}).get("stream")
                ]
                attachments = self.env["ir.attachment"].create(vals_list)
                rendered = {att.res_id: att for att in attachments}
        return {
            move.id: move.invoice_pdf_report_id or rendered[move.id]
            for move in moves
            if move.invoice_pdf_report_id or move.id in rendered
        }

    def _queue_emails_isolating_failures(self, template):
        """Compose the reminders' emails so that each reminder fails alone:
        {action id: mail.mail} of those composed; a reminder whose email cannot
        be composed (template error) fails with the reason.

        The reminders are composed in one batch. A batch that fails is split in
        halves, each composed in batch again, down to the reminder that breaks
        it: one broken customer among a thousand costs some twenty batches
        instead of a thousand emails composed one at a time. When both halves
        fail (a template broken for many customers), their reminders are
        composed one at a time."""
        mail_by_action = {}

        def compose(actions):
            try:
                with self.env.cr.savepoint():
                    mails = template._dunning_queue_mail_batch(actions.ids)
            except Exception as error:  # noqa: BLE001 - recorded on the action
                if len(actions) == 1:
                    actions._fail(_("The email could not be prepared: %s", error))
                return False
            mail_by_action.update((mail.res_id, mail) for mail in mails)
            return True

        def isolate(actions):
            _logger.info(
                "Dunning email batch of %s reminders failed, splitting it",
                len(actions),
            )
            half = len(actions) // 2
            failing = [
                part
                for part in (actions[:half], actions[half:])
                if not compose(part) and len(part) > 1
            ]
            if len(failing) == 2:
                for action in failing[0] | failing[1]:
                    compose(action)
            elif failing:
                isolate(failing[0])

        if not compose(self) and len(self) > 1:
            isolate(self)
        return mail_by_action

    def _get_sms_contact(self):
        self.ensure_one()
        return next(
            (c for c in self.contact_ids if c.phone_sanitized or c.mobile),
            self.env["res.partner"],
        )

    def _compose_sms(self, actions):
        vals_list = []
        ordered = self.browse()
        for level, level_actions in actions.grouped("level_id").items():
            bodies = level.sms_template_id._render_field("body", level_actions.ids)
            for action in level_actions:
                contact = action._get_sms_contact()
                vals_list.append(
                    {
                        "body": bodies[action.id],
                        "number": contact.phone_sanitized or contact.mobile,
                        "partner_id": contact.id,
                        "state": "outgoing",
                    }
                )
            ordered |= level_actions
        sms_records = self.env["sms.sms"].sudo().create(vals_list)
        update_column(ordered, "sms_id", sms_records.ids)
        ordered._set_state("done")

    @api.model
    def _get_unreachable_reason(self, channel, partner, contacts):
        """Why a reminder through `channel` cannot leave, else None."""
        if channel == "email" and not any(contact.email for contact in contacts):
            return _("No email address for this customer.")
        if channel == "sms" and not any(
            contact.phone_sanitized or contact.mobile for contact in contacts
        ):
            return _("No mobile phone number for this customer.")
        if channel == "letter" and not (
            partner.street and partner.city and partner.zip
        ):
            return _("No complete postal address for this customer.")
        return None

    @api.model
    def _prepare_call_activity_vals(self, partner, level, date, user_id, note):
        return {
            "res_id": partner.id,
            "res_name": partner.display_name,
            "activity_type_id": level.activity_type_id.id
            or self.env["ir.model.data"]._xmlid_to_res_id(
                "mail.mail_activity_data_call"
            ),
            "summary": self.env._("Dunning call: %(level)s", level=level.name),
            "note": note,
            "date_deadline": date,
            "user_id": user_id or self.env.uid,
        }

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
        contacts = snapshot.contacts
        currency = snapshot.company.currency_id
        calls = []
        for vals in vals_list:
            reason = self._get_unreachable_reason(
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
                self._prepare_call_activity_vals(
                    contacts[vals["partner_id"]],
                    Level.browse(vals["level_id"]),
                    vals["date"],
                    vals["user_id"],
                    self._format_summary_html(
                        formats, vals["amount_due"], currency, vals["line_ids"]
                    ),
                )
                for vals in calls
            ]
        )
        for vals, activity_id in zip(calls, activities.ids, strict=True):
            vals["activity_id"] = activity_id
        return vals_list

    def _log_in_chatter(self):
        """One note per customer and per invoice, no notification, written with
        one INSERT. The bodies are built here from escaped values, so the
        HTML sanitizer of mail.message (most of the cost of tens of thousands
        of notes through the ORM) would have nothing to clean."""
        if not self:
            return
        formats = DunningFormats(self.env)
        # every reminder with its invoices' names in one query, as plain values
        self.flush_recordset(
            ["partner_id", "level_id", "channel", "state", "amount_due", "company_id"]
        )
        self.env["account.dunning.action.line"].flush_model(["action_id", "move_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT a.id, a.partner_id, a.level_id, a.channel, a.state,
                       a.amount_due, a.company_id, l.move_id, m.name
                  FROM account_dunning_action a
             LEFT JOIN account_dunning_action_line l ON l.action_id = a.id
             LEFT JOIN account_move m ON m.id = l.move_id
                 WHERE a.id = ANY(%s)
              ORDER BY a.id, l.date_due, l.id
                """,
                self.ids,
            )
        )
        reminders = {}
        for row in self.env.cr.fetchall():
            reminder = reminders.setdefault(row[0], [row[1:7], []])
            if row[7]:
                reminder[1].append((row[7], row[8]))
        partner_bodies = {}
        move_bodies = {}
        for (
            partner_id,
            level_id,
            channel,
            state,
            amount,
            company_id,
        ), moves in reminders.values():
            body = self._format_log_body(
                formats,
                level_id,
                channel,
                state,
                [name for _move_id, name in moves],
                amount,
                company_id,
            )
            partner_bodies.setdefault(partner_id, []).append(body)
            for move_id, _name in moves:
                move_bodies.setdefault(move_id, []).append(body)
        models_, res_ids, bodies = [], [], []
        for model, by_record in (
            ("res.partner", partner_bodies),
            ("account.move", move_bodies),
        ):
            for res_id, parts in by_record.items():
                models_.append(model)
                res_ids.append(res_id)
                bodies.append("".join(parts))
        if not bodies:
            return
        author = self.env.user.partner_id
        now = fields.Datetime.now()
        self.env["mail.message"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message (
                    model, res_id, body, message_type, subtype_id, is_internal,
                    author_id, email_from, message_id, email_add_signature,
                    reply_to_force_new, date, create_uid, create_date, write_uid,
                    write_date)
                SELECT v.model, v.res_id, v.body, 'notification', %(subtype)s, TRUE,
                       %(author)s, %(email)s,
                       '<' || gen_random_uuid() || '-dunning-log@odoo>', TRUE,
                       FALSE, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(models)s::varchar[], %(res_ids)s::int[],
                              %(bodies)s::text[]) AS v(model, res_id, body)
                """,
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author.id or None,
                email=author.email_formatted or None,
                now=now,
                uid=self.env.uid,
                models=array_literal(models_),
                res_ids=array_literal(res_ids, "int4"),
                bodies=array_literal(bodies),
            )
        )
        self.env["mail.message"].invalidate_model()
        self.env["res.partner"].invalidate_model(["message_ids"])
        self.env["account.move"].invalidate_model(["message_ids"])

    def _get_letter_reference(self):
        """Reference printed once, on the first page of the letter: the customer
        quotes it, and the batch PDF is cut into letters where it appears."""
        self.ensure_one()
        if not isinstance(self.id, int):
            return _("RL-(preview)")
        return f"RL-{self.id:08d}"

    def _render_letters_pdf(self):
        pdf, _report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            LETTER_REPORT, self.ids
        )
        return pdf

    def _split_letters_pdf(self, pdf):
        """Each letter's pages, found by its reference on its first page; when a
        reference cannot be read back, those letters are rendered one by one."""
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        page_count = len(reader.pages)
        by_reference = {action._get_letter_reference(): action for action in self}
        starts = {}
        for index, text in enumerate(self._pdf_pages_text(pdf, reader)):
            for reference in re.findall(r"RL-\d{8}", re.sub(r"\s+", "", text)):
                action = by_reference.get(reference)
                if action and action not in starts:
                    starts[action] = index
        ordered = [action for action in self if action in starts]
        if [starts[a] for a in ordered] != sorted(starts.values()):
            ordered = []
        parts = {}
        bounds = [starts[a] for a in ordered] + [page_count]
        for position, action in enumerate(ordered):
            writer = PdfFileWriter()
            for index in range(bounds[position], bounds[position + 1]):
                writer.add_page(reader.pages[index])
            stream = io.BytesIO()
            writer.write(stream)
            parts[action] = stream.getvalue()
        missing = self.filtered(lambda a: a not in parts)
        if missing:
            _logger.warning(
                "Letters %s not found in the batch PDF, rendered one by one",
                missing.ids,
            )
            for action in missing:
                parts[action] = action._render_letters_pdf()
        return parts

    @api.model
    def _pdf_pages_text(self, pdf, reader):
        """Text of each page: poppler's pdftotext reads 500 pages in a second,
        the pure-Python reader (fallback) takes most of a second per page."""
        try:
            result = subprocess.run(
                ["pdftotext", "-", "-"],
                input=pdf,
                capture_output=True,
                check=True,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError):
            return [page.extract_text() or "" for page in reader.pages]
        return result.stdout.decode("utf-8", "replace").split("\f")

    def _file_letters(self, parts):
        """Attach each letter to its reminder, post it in the reminder's and the
        customer's chatter (one batch of records, no notification) and mark the
        letters printed."""
        actions = self.browse([action.id for action in parts])
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": "%s - %s.pdf"  # noqa: UP031
                    % (action._get_letter_reference(), action.partner_id.name),
                    "raw": parts[action],
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": action.id,
                }
                for action in actions
            ]
        )
        note = self.env.ref("mail.mt_note")
        author = self.env.user.partner_id
        messages = []
        for action, attachment in zip(actions, attachments, strict=True):
            action.letter_attachment_id = attachment
            body = Markup("<p>%s</p>") % _(
                "Letter “%(level)s” printed (%(reference)s).",
                level=action.level_id.name,
                reference=action._get_letter_reference(),
            )
            for model, res_id in (
                (self._name, action.id),
                ("res.partner", action.partner_id.id),
            ):
                messages.append(
                    {
                        "model": model,
                        "res_id": res_id,
                        "body": body,
                        "message_type": "comment",
                        "subtype_id": note.id,
                        "author_id": author.id,
                        "attachment_ids": [Command.link(attachment.id)],
                    }
                )
        self.env["mail.message"].create(messages)
        actions.filtered(lambda a: a.state == "to_send").state = "done"

    @api.model
    def _format_log_body(
        self, formats, level_id, channel, state, move_names, amount, company_id
    ):
        """The chatter note of a reminder, from plain values (escaped here)."""
        pattern = formats.text(
            "log",
            lambda: self.env._(
                "Reminder “%(level)s” by %(channel)s (%(state)s): %(invoices)s, "
                "%(amount)s"
            ),
        )
        return Markup("<p>%s</p>") % (
            pattern
            % {
                "level": formats.record_name("account.dunning.level", level_id),
                "channel": formats.label(self, "channel", channel).lower(),
                "state": formats.label(self, "state", state).lower(),
                "invoices": ", ".join(move_names),
                "amount": formats.amount(amount, formats.company_currency(company_id)),
            }
        )

    def _get_summary_html(self, formats=None):
        """Invoices of the reminder as an HTML table (call notes, letters)."""
        self.ensure_one()
        return self._format_summary_html(
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

    @api.model
    def _format_summary_html(self, formats, amount_due, currency, lines):
        """The summary table from plain values: `lines` are dicts with
        `move_name`, `date_due`, `amount_residual` and `currency_id`."""
        currencies = self.env["res.currency"]
        # escaped value by value: Markup's % costs more than the rest of a call
        # note, and a night writes thousands of them
        rows = Markup(
            "".join(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                    escape(line["move_name"]),
                    escape(formats.date(line["date_due"])),
                    escape(
                        formats.amount(
                            line["amount_residual"],
                            currencies.browse(line["currency_id"]),
                        )
                    ),
                )
                for line in lines
            )
        )
        header = formats.text(
            "summary_header",
            lambda: Markup("<tr><th>%s</th><th>%s</th><th>%s</th></tr>")
            % (self.env._("Invoice"), self.env._("Due date"), self.env._("Amount due")),
        )
        amount = formats.text(
            "summary_amount", lambda: self.env._("Amount due: %(amount)s")
        )
        return Markup("<p>%s</p><table class='table table-sm'>%s%s</table>") % (
            amount % {"amount": formats.amount(amount_due, currency)},
            header,
            rows,
        )


class DunningFormats:
    """Dates, amounts, labels and sentences of one language for a batch of
    reminders: the same text as `format_date` / `format_amount` / `_()`, looked
    up once per batch instead of once per line (tens of thousands a night)."""

    def __init__(self, env):
        self.env = env
        self.lang = env["res.lang"].browse(get_lang(env).id)
        self._cache = {}

    def _memo(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def text(self, key, compute):
        return self._memo(("text", key), compute)

    def label(self, model, field_name, value):
        """The label of a selection value, in the language."""
        labels = self._memo(
            ("selection", model._name, field_name),
            lambda: dict(model._fields[field_name]._description_selection(self.env)),
        )
        return labels[value]

    def record_name(self, model_name, record_id):
        return self._memo(
            ("name", model_name, record_id),
            lambda: self.env[model_name].browse(record_id).name or "",
        )

    def company_currency(self, company_id):
        return self._memo(
            ("company_currency", company_id),
            lambda: self.env["res.company"].browse(company_id).currency_id,
        )

    def date(self, value):
        return self._memo(("date", value), lambda: format_date(self.env, value))

    def amount(self, amount, currency):
        """`format_amount`, with the language's separators and the currency's
        digits looked up once (res.lang.format parses its grouping each call)."""
        fmt, rounding, before, symbol = self._memo(
            ("currency", currency.id),
            lambda: (
                f"%.{currency.decimal_places}f",
                currency.rounding,
                currency.position == "before",
                currency.symbol or "",
            ),
        )
        grouping, thousands_sep, decimal_point = self._memo(
            ("lang",),
            lambda: self._get_lang_separators(),
        )
        parts = (fmt % float_round(amount, precision_rounding=rounding)).split(".")
        parts[0] = intersperse(parts[0], grouping, thousands_sep)[0]
        text = (
            decimal_point.join(parts)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        if before:
            return f"{symbol}\N{NO-BREAK SPACE}{text}"
        return f"{text}\N{NO-BREAK SPACE}{symbol}"

    def _get_lang_separators(self):
        data = self.lang._get_data(id=self.lang.id)
        return (
            ast.literal_eval(data.grouping),
            data.thousands_sep or "",
            data.decimal_point,
        )


class AccountDunningActionLine(models.Model):
    """An invoice in a reminder, with the level it reaches and what it owed then."""

    _name = "account.dunning.action.line"
    _description = "Invoice reminded"
    _order = "action_id, date_due, id"
    # Written by the tens of thousands a night, each foreign key costing a
    # lookup per row: who and when are the reminder's, and company, customer
    # and currency are read through the reminder and the invoice.
    _log_access = False

    action_id = fields.Many2one(
        "account.dunning.action", required=True, ondelete="cascade", index=True
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="cascade"
    )
    level_id = fields.Many2one("account.dunning.level", required=True, index=True)
    # Copies of the action's fields, written with the line in one INSERT: the
    # unique index below and the invoices' reminder state read them; the
    # action's write() keeps `state` in step.
    channel = fields.Selection(CHANNELS, required=True)
    state = fields.Selection(STATES, required=True, default="draft", readonly=True)
    date = fields.Date(required=True)
    company_id = fields.Many2one(related="action_id.company_id")
    partner_id = fields.Many2one(related="action_id.partner_id", string="Customer")
    currency_id = fields.Many2one(related="move_id.currency_id")
    date_due = fields.Date(string="Due date")
    days_overdue = fields.Integer(string="Days late")
    amount_total = fields.Monetary(string="Invoice total")
    amount_residual = fields.Monetary(string="Amount due")

    @api.model_create_multi
    def create(self, vals_list):
        actions = self.env["account.dunning.action"].browse(
            {vals["action_id"] for vals in vals_list if vals.get("action_id")}
        )
        by_id = {action.id: action for action in actions}
        for vals in vals_list:
            action = by_id.get(vals.get("action_id"))
            if not action:
                continue
            vals.setdefault("channel", action.channel)
            vals.setdefault("state", action.state)
            vals.setdefault("date", action.date)
        return super().create(vals_list)

    def init(self):
        super().init()
        # One invoice reaches one level through one channel only once (the run, the
        # wizard and concurrent workers all rely on this). An index of an older
        # version, without every active state, is rebuilt.
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes"
            " WHERE indexname = 'account_dunning_action_line_once'"
        )
        row = self.env.cr.fetchone()
        if row and any(f"'{state}'" not in row[0] for state in ACTIVE_STATES):
            self.env.cr.execute("DROP INDEX account_dunning_action_line_once")
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS account_dunning_action_line_once
                    ON account_dunning_action_line (move_id, level_id, channel)
                 WHERE state IN %s
                """,
                ACTIVE_STATES,
            )
        )
