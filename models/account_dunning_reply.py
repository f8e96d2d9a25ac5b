from odoo import api, fields, models

REPLY_STATES = [("new", "To read"), ("handled", "Handled")]


class AccountDunningReply(models.Model):
    """A customer's reply to a reminder email. Odoo's mail gateway routes a
    reply to the record its email was sent from, the reminder: the reply is
    posted in the customer's chatter instead, where its history is read, and
    the work queue shows the customer as replied until a user handles it
    (marks it handled, or logs a call with the customer)."""

    _name = "account.dunning.reply"
    _description = "Customer reply to a reminder"
    _order = "date desc, id desc"
    _check_company_auto = True

    action_id = fields.Many2one(
        "account.dunning.action",
        string="Reminder",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        help="The reminder whose email the customer answered.",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    message_id = fields.Many2one(
        "mail.message", string="Reply", readonly=True, ondelete="set null"
    )
    author_id = fields.Many2one(related="message_id.author_id", string="From")
    subject = fields.Char(related="message_id.subject")
    preview = fields.Char(related="message_id.preview", string="Message")
    date = fields.Datetime(string="Received on", required=True, readonly=True)
    state = fields.Selection(REPLY_STATES, default="new", required=True, index=True)
    handled_by_id = fields.Many2one("res.users", readonly=True)
    handled_date = fields.Datetime(string="Handled on", readonly=True)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_mark_handled(self):
        """The replies were read and dealt with."""
        self.filtered(lambda r: r.state == "new").write(
            {
                "state": "handled",
                "handled_by_id": self.env.uid,
                "handled_date": fields.Datetime.now(),
            }
        )
        return True

    def action_open_partner(self):
        """The customer's form, whose chatter holds the reply."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _reroute(self, routes, message_dict):
        """The mail gateway's `routes` with each reminder replaced by its
        customer, and the reminders answered. The reply's parent (the
        reminder's email) stays on the reminder."""
        answered = self.env["account.dunning.action"].sudo()
        rerouted = []
        for model, thread_id, *rest in routes or ():
            action = answered.browse()
            if model == "account.dunning.action" and thread_id:
                action = answered.browse(thread_id).exists()
            if not action:
                rerouted.append((model, thread_id, *rest))
                continue
            answered |= action
            rerouted.append(("res.partner", action.partner_id.id, *rest))
            message_dict.pop("parent_id", None)
        return rerouted, answered

    @api.model
    def _record(self, actions, message_dict):
        """Record the reply the gateway just posted on the customers of the
        reminders `actions`, and say so in each reminder's chatter."""
        if not actions:
            return self.browse()
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("message_id", "=", message_dict.get("message_id")),
                    ("model", "=", "res.partner"),
                    ("res_id", "in", actions.partner_id.ids),
                ]
            )
        )
        by_partner = {message.res_id: message for message in messages}
        vals_list = []
        for action in actions:
            message = by_partner.get(action.partner_id.id, messages.browse())
            vals_list.append(
                {
                    "action_id": action.id,
                    "partner_id": action.partner_id.id,
                    "company_id": action.company_id.id,
                    "message_id": message.id,
                    "date": message.date or fields.Datetime.now(),
                }
            )
        # sudo: the mail gateway's user records what it received
        replies = self.sudo().create(vals_list)
        for action in actions:
            action._message_log(
                body=self.env._(
                    "The customer replied to this reminder: the reply is in the "
                    "customer's chatter."
                )
            )
        return replies

    @api.model
    def _mark_handled(self, partners, company=None):
        """The replies of the customers `partners` to reminders of `company`
        (default: of any company) were dealt with (a call logged, a user's
        click in the work queue)."""
        domain = [
            ("partner_id", "in", partners.commercial_partner_id.ids),
            ("state", "=", "new"),
        ]
        if company:
            domain.append(("company_id", "=", company.id))
        return self.search(domain).action_mark_handled()
