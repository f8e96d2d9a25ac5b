from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..models.account_dunning_promise import PROMISE_CHANNELS


class AccountDunningCallWizard(models.TransientModel):
    """Log a phone call with a customer; its outcome drives what follows.

    A promise or a dispute is created in the same step, "no answer" plans the
    next call, "asks for a duplicate" emails the invoice PDFs at once.
    """

    _name = "account.dunning.call.wizard"
    _inherit = ["account.dunning.selection.mixin"]
    _description = "Log a dunning call"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True
    )
    action_id = fields.Many2one(
        "account.dunning.action",
        string="Planned call",
        readonly=True,
        help="The reminder whose phone-call task this call completes.",
    )
    activity_id = fields.Many2one("mail.activity", readonly=True)
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact reached",
        domain="[('commercial_partner_id', '=', partner_id)]",
    )
    contact_phone = fields.Char(related="contact_id.phone", string="Phone")
    partner_phone = fields.Char(related="partner_id.phone", string="Customer phone")
    result = fields.Selection(
        selection=lambda self: self.env["account.dunning.action"]
        ._fields["result"]
        .selection,
        string="Outcome",
        required=True,
        default="reached",
    )
    reason_id = fields.Many2one(
        "account.dunning.reason",
        string="Reason or excuse",
        domain="[('company_id', 'in', (company_id, False))]",
    )
    suggested_response = fields.Text(related="reason_id.suggested_response")
    note = fields.Text()
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_call_wizard_move_rel",
        "wizard_id",
        "move_id",
        string="Invoices discussed",
        domain=lambda self: self._get_move_ids_domain(),
    )
    amount_due = fields.Monetary(compute="_compute_amount_due")
    promise_date = fields.Date(string="Promised date")
    promise_amount = fields.Monetary(string="Promised amount")
    promise_channel = fields.Selection(
        PROMISE_CHANNELS, default="call", string="Promise obtained by"
    )
    send_confirmation = fields.Boolean(
        string="Confirm in writing",
        help="Email the customer a written confirmation of the promise.",
    )
    dispute_user_id = fields.Many2one(
        "res.users",
        string="Dispute owner",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    callback_date = fields.Date(
        string="Call back on",
        default=lambda self: fields.Date.context_today(self) + timedelta(days=1),
    )
    call_refusal = fields.Char(
        compute="_compute_call_refusal",
        help="Why a call to this private person now breaks the company's rules "
        "of calls (days, hours, attempts in 30 days).",
    )

    # ------------------------------------------------------------
    # DEFAULT METHODS
    # ------------------------------------------------------------

    def _get_move_ids_domain(self):
        return self.env["account.dunning.rule"]._get_open_invoice_client_domain()

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("move_ids")
    def _compute_amount_due(self):
        for wizard in self:
            wizard.amount_due = sum(wizard.move_ids.mapped("amount_residual_signed"))

    @api.depends("partner_id", "company_id")
    def _compute_call_refusal(self):
        now = fields.Datetime.now()
        Rule = self.env["account.dunning.consumer.rule"]
        for wizard in self:
            wizard.call_refusal = (
                wizard.partner_id
                and Rule._get_call_refusal(wizard.partner_id, now, wizard.company_id)
            ) or False

    @api.onchange("move_ids", "result")
    def _onchange_promise_amount(self):
        if self.result == "promise" and not self.promise_amount:
            self.promise_amount = self.amount_due

    @api.onchange("result")
    def _onchange_result(self):
        if self.result == "dispute" and not (
            self.reason_id and self.reason_id.category == "dispute"
        ):
            self.reason_id = self.env.ref(
                "account_dunning.reason_dispute", raise_if_not_found=False
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_log_call_action(self, partner, action=None):
        """The wizard for `partner`, completing `action`'s call task if any, else
        the customer's call task still waiting for an outcome."""
        partner = partner.commercial_partner_id
        if not action:
            action = self.env["account.dunning.action"].search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", self.env.company.id),
                    ("channel", "=", "call"),
                    ("activity_id", "!=", False),
                    ("result", "=", False),
                ],
                order="date desc, id desc",
                limit=1,
            )
        moves = action.move_ids.filtered(lambda m: m.amount_residual > 0)
        if not moves:
            today = self.env["account.dunning.run"]._company_today(self.env.company)
            moves = self._search_open_invoices(
                partner, [("invoice_date_due", "<=", today)]
            )
        contact = action.contact_ids.filtered(lambda c: c != partner)[:1]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a call"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": partner.id,
                "default_action_id": action.id,
                "default_activity_id": action.activity_id.id,
                "default_contact_id": contact.id,
                "default_move_ids": [Command.set(moves.ids)],
            },
        }

    def action_confirm(self):
        self.ensure_one()
        self._check_call_allowed()
        self._check_outcome()
        call = self._record_call()
        result = False
        if self.result == "promise":
            promise = self._create_promise(call)
            result = self._open_record(promise)
        elif self.result == "dispute":
            dispute = self._create_dispute()
            result = self._open_record(dispute)
        elif self.result == "no_answer":
            # a private person is called back on a day it may be called
            callback = self.env["account.dunning.consumer.rule"]._get_call_dates(
                self.company_id, self.partner_id, self.callback_date
            )[self.partner_id.id]
            self._schedule_activity(
                "mail.mail_activity_data_call",
                self.env._("Call back: no answer"),
                callback,
            )
        elif self.result == "duplicate":
            self._send_duplicate(call)
        elif self.result == "already_paid":
            self._schedule_activity(
                "mail.mail_activity_data_todo",
                self.env._("Find the payment the customer says they made"),
                fields.Date.context_today(self),
            )
        self._log_call(call)
        if self.result not in ("no_answer", "wrong_number"):
            # the customer was spoken to: its replies are dealt with
            self.env["account.dunning.reply"]._mark_handled(
                self.partner_id, self.company_id
            )
        return result or {"type": "ir.actions.act_window_close"}

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _check_call_allowed(self):
        """A call to a private person outside the company's rules of calls is
        refused, with the rule it breaks (`account.dunning.consumer.rule.
        _get_call_refusal`)."""
        refusal = self.env["account.dunning.consumer.rule"]._get_call_refusal(
            self.partner_id, fields.Datetime.now(), self.company_id
        )
        if refusal:
            raise UserError(refusal)

    def _check_outcome(self):
        if self.result in ("promise", "dispute", "duplicate") and not self.move_ids:
            raise UserError(
                self.env._("Select the invoices the customer talked about.")
            )
        if self.result == "promise" and not self.promise_date:
            raise UserError(self.env._("Enter the date the customer promised to pay."))
        if self.result == "dispute" and not self.reason_id:
            raise UserError(self.env._("Choose the reason of the dispute."))
        if self.result == "no_answer" and not self.callback_date:
            raise UserError(self.env._("Enter when to call back."))

    def _record_call(self):
        """The call in the history: the planned call if it has no outcome yet,
        else a new action of channel "call"."""
        contacts = self.contact_id or self.partner_id
        vals = {
            "result": self.result,
            "note": self.note,
            "reason_id": self.reason_id.id,
            "call_date": fields.Datetime.now(),
        }
        planned = self.action_id
        if planned and planned.channel == "call" and not planned.result:
            planned.write(
                dict(vals, contact_ids=[Command.link(c.id) for c in contacts])
            )
            return planned
        partner = self.partner_id.with_company(self.company_id)
        return (
            self.env["account.dunning.action"]
            .with_context(mail_create_nolog=True, mail_notrack=True)
            .create(
                dict(
                    vals,
                    company_id=self.company_id.id,
                    partner_id=self.partner_id.id,
                    contact_ids=[Command.set(contacts.ids)],
                    level_id=(planned.level_id or partner.dunning_level_id).id,
                    date=fields.Date.context_today(self),
                    channel="call",
                    state="done",
                    user_id=self.env.uid,
                    amount_due=self.amount_due,
                    validated_date=fields.Datetime.now(),
                    validated_by_id=self.env.uid,
                )
            )
        )

    def _create_promise(self, call):
        promise = self.env["account.dunning.promise"].create(
            {
                "company_id": self.company_id.id,
                "partner_id": self.partner_id.id,
                "move_ids": [Command.set(self.move_ids.ids)],
                "date": self.promise_date,
                "amount": self.promise_amount,
                "channel": self.promise_channel or "call",
                "contact_id": self.contact_id.id,
                "user_id": self.env.uid,
                "action_id": call.id,
                "note": self.note,
            }
        )
        if self.send_confirmation:
            promise._send_confirmation()
        return promise

    def _create_dispute(self):
        return self.env["account.dunning.dispute"].create(
            {
                "company_id": self.company_id.id,
                "partner_id": self.partner_id.id,
                "move_ids": [Command.set(self.move_ids.ids)],
                "reason_id": self.reason_id.id,
                "user_id": self.dispute_user_id.id or self.env.uid,
                "note": self.note and Markup("<p>%s</p>") % self.note,
            }
        )

    def _schedule_activity(self, type_xmlid, summary, deadline):
        partner = self.partner_id.with_company(self.company_id)
        self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": self.partner_id.id,
                "activity_type_id": self.env.ref(type_xmlid).id,
                "summary": summary,
                "note": self.note,
                "date_deadline": deadline,
                "user_id": (partner._get_dunning_responsible() or self.env.user).id,
            }
        )

    def _send_duplicate(self, call):
        """Email a duplicate of the invoices at once, with their PDFs (the legal
        PDF kept by Odoo when there is one), through the mail queue."""
        contacts = self.contact_id.filtered("email") or self.partner_id.with_company(
            self.company_id
        )._get_dunning_recipients(call.level_id, self.move_ids).filtered("email")
        if not contacts:
            raise UserError(
                self.env._(
                    "No email address to send the duplicate to: add one on the contact."
                )
            )
        call.contact_ids = [Command.set(contacts.ids)]
        template = self.env.ref("account_dunning.mail_template_dunning_duplicate")
        mail_id = template.with_context(
            dunning_invoice_names=", ".join(self.move_ids.mapped("name"))
        ).send_mail(call.id)
        mail = self.env["mail.mail"].browse(mail_id)
        pdfs = self.env["account.dunning.invoice.pdf"]._get_invoice_pdfs(self.move_ids)
        mail.attachment_ids = [Command.link(att.id) for att in pdfs.values()]
        call.mail_id = mail

    def _log_call(self, call):
        """The call in the customer's chatter (closing its phone-call task)."""
        results = dict(self._fields["result"]._description_selection(self.env))
        parts = [
            self.env._(
                "Call logged: %(result)s",
                result=results[self.result],
            )
        ]
        if self.contact_id:
            parts.append(
                self.env._("Contact: %(name)s", name=self.contact_id.display_name)
            )
        if self.reason_id:
            parts.append(self.env._("Reason: %(reason)s", reason=self.reason_id.name))
        if self.result == "promise":
            parts.append(
                self.env._(
                    "Promise: %(amount)s on %(date)s",
                    amount=format_amount(
                        self.env, self.promise_amount, self.currency_id
                    ),
                    date=format_date(self.env, self.promise_date),
                )
            )
        if self.move_ids:
            parts.append(
                self.env._(
                    "Invoices: %(names)s", names=", ".join(self.move_ids.mapped("name"))
                )
            )
        if self.note:
            parts.append(self.note)
        body = Markup("<br/>").join(parts)
        activity = self.activity_id.exists()
        if activity:
            activity.action_feedback(feedback=body)
        else:
            self.partner_id._message_log(body=body)
        call._message_log(body=body)

    def _open_record(self, record):
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "target": "current",
        }
