from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.tools import format_amount

# Wizard channel fields, in the engine's channel order.
CHANNEL_FIELDS = [
    ("email", "send_email"),
    ("sms", "send_sms"),
    ("letter", "send_letter"),
    ("call", "create_activity"),
]


class AccountDunningWizardLine(models.TransientModel):
    """One customer (commercial entity) of the wizard."""

    _name = "account.dunning.wizard.line"
    _description = "Customer to remind"
    _order = "id"

    wizard_id = fields.Many2one(
        "account.dunning.wizard", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="wizard_id.company_id")
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    policy_id = fields.Many2one("account.dunning.policy")
    amount_due = fields.Monetary(string="Overdue")
    move_ids = fields.One2many(
        "account.dunning.wizard.move", "line_id", string="Invoices"
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    proposed_level_id = fields.Many2one(
        "account.dunning.level", string="Proposed level", readonly=True
    )
    level_id = fields.Many2one(
        "account.dunning.level",
        domain="[('policy_id', '=', policy_id)]",
        help="Level sent now; choosing another one than proposed applies it to "
        "every ticked invoice of the customer.",
    )
    send_email = fields.Boolean(
        string="Email", compute="_compute_channels", store=True, readonly=False
    )
    send_sms = fields.Boolean(
        string="SMS", compute="_compute_channels", store=True, readonly=False
    )
    send_letter = fields.Boolean(
        string="Letter", compute="_compute_channels", store=True, readonly=False
    )
    create_activity = fields.Boolean(
        string="Phone call", compute="_compute_channels", store=True, readonly=False
    )
    contact_ids = fields.Many2many(
        "res.partner",
        "account_dunning_wizard_line_contact_rel",
        "line_id",
        "partner_id",
        string="Recipients",
        compute="_compute_contact_ids",
        store=True,
        readonly=False,
    )
    personal_message = fields.Text(
        help="Added above the invoices in this customer's email and letter, "
        'e.g. "Following our call this morning…".',
    )
    attach_statement = fields.Boolean(
        string="Join the account statement",
        help="The customer's account statement (PDF), rendered when the email "
        "is composed.",
    )
    attach_terms = fields.Boolean(
        string="Join the general terms of sale",
        help="The file set in the Invoicing settings (Reminders).",
    )
    has_terms = fields.Boolean(compute="_compute_has_terms")
    warning = fields.Text(
        string="Not reminded", readonly=True, help="Why invoices are left out."
    )
    unreachable = fields.Text(
        string="Cannot be reached", compute="_compute_unreachable"
    )
    preview = fields.Html(compute="_compute_preview", sanitize=False)
    show_preview = fields.Boolean(
        string="Show the email and the letter",
        help="Render what this customer will receive (only for this line, so that "
        "the wizard opens fast).",
    )
    email_preview = fields.Html(
        string="Email preview", compute="_compute_email_preview", sanitize=False
    )
    letter_preview = fields.Html(
        string="Letter preview", compute="_compute_email_preview", sanitize=False
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    def _compute_invoice_count(self):
        for line in self:
            line.invoice_count = len(line.move_ids)

    @api.depends("company_id")
    def _compute_has_terms(self):
        for line in self:
            company = line.company_id or self.env.company
            # bin_size: whether the file is there, without reading it
            line.has_terms = bool(
                company.with_context(bin_size=True).dunning_terms_file
            )

    @api.depends("level_id")
    def _compute_channels(self):
        for line in self:
            channels = line.level_id._get_channels() if line.level_id else []
            for channel, fname in CHANNEL_FIELDS:
                line[fname] = channel in channels

    @api.depends("level_id")
    def _compute_contact_ids(self):
        lines = self.filtered(lambda line: line.level_id and line.partner_id)
        (self - lines).contact_ids = False
        moves_by_line = {
            line: line.move_ids.filtered("to_remind").move_id or line.move_ids.move_id
            for line in lines
        }
        # every customer's contacts in one query
        contacts = lines.partner_id._get_dunning_contacts(
            self.env["account.move"].union(*moves_by_line.values())
        )
        for line in lines:
            line.contact_ids = line.partner_id._get_dunning_recipients(
                line.level_id, moves_by_line[line], contacts
            )

    @api.depends(
        "send_email",
        "send_sms",
        "send_letter",
        "create_activity",
        "contact_ids",
        "partner_id",
    )
    def _compute_unreachable(self):
        """Channels of the line that cannot reach the customer: the engine's
        rule (`account.dunning.rule`), so the wizard warns exactly where the
        reminder would fail."""
        Rule = self.env["account.dunning.rule"]
        channel_names = dict(
            self.env["account.dunning.action"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        for line in self:
            problems = []
            for channel in line._get_channels():
                reason = Rule._get_unreachable_reason(
                    channel, line.partner_id, line.contact_ids
                )
                if reason:
                    problems.append(
                        self.env._(
                            "%(channel)s: %(reason)s",
                            channel=channel_names[channel],
                            reason=reason,
                        )
                    )
            line.unreachable = "\n".join(problems) or False

    @api.depends(
        "level_id",
        "send_email",
        "send_sms",
        "send_letter",
        "create_activity",
        "amount_due",
        "move_ids.to_remind",
        "personal_message",
        "attach_statement",
        "attach_terms",
    )
    def _compute_preview(self):
        """A short summary of what will go out. The invoices' details are in the
        Invoices tab and the email itself on demand: formatting every invoice of
        every line here made up a third of the opening time on 1,000 invoices."""
        channel_names = dict(
            self.env["account.dunning.action"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        for line in self:
            if not line.level_id:
                line.preview = Markup("<p>%s</p>") % self.env._(
                    "Choose a level to remind."
                )
                continue
            names = [m.move_id.name for m in line.move_ids if m.to_remind]
            channels = ", ".join(channel_names[c] for c in line._get_channels())
            summary = Markup(
                "<p><strong>%s</strong></p><p>%s</p><p>%s</p><p>%s</p>"
            ) % (
                line.level_id.name,
                self.env._(
                    "Channels: %(channels)s", channels=channels or self.env._("none")
                ),
                self.env._(
                    "Amount due: %(amount)s",
                    amount=format_amount(self.env, line.amount_due, line.currency_id),
                ),
                self.env._(
                    "Invoices reminded (%(count)s): %(invoices)s",
                    count=len(names),
                    invoices=", ".join(names) or self.env._("none"),
                ),
            )
            line.preview = summary + line._get_extras_preview()

    @api.depends(
        "show_preview",
        "level_id",
        "send_email",
        "send_letter",
        "contact_ids",
        "amount_due",
        "move_ids.to_remind",
        "personal_message",
        "attach_statement",
        "attach_terms",
    )
    def _compute_email_preview(self):
        """The email and the letter of the reminder this line would create,
        rendered on an unsaved reminder by the same template call as sending."""
        for line in self:
            line.email_preview = False
            line.letter_preview = False
            if not (line.show_preview and line.level_id and line.partner_id):
                continue
            if line.send_email:
                line.email_preview = line._render_email_preview(
                    line._new_preview_action("email")
                )
            if line.send_letter:
                line.letter_preview = line._get_letter_preview(
                    line._new_preview_action("letter")
                ) or Markup("<p class='text-muted'>%s</p>") % self.env._(
                    "The letter preview is not available yet."
                )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_channels(self):
        self.ensure_one()
        return [channel for channel, fname in CHANNEL_FIELDS if self[fname]]

    def _new_preview_action(self, channel):
        """An unsaved reminder with the values the engine would give it."""
        self.ensure_one()
        company = self.company_id or self.env.company
        date = self.wizard_id.date or self.env["account.dunning.run"]._company_today(
            company
        )
        override = self.level_id != self.proposed_level_id
        lines = []
        for wizard_move in self.move_ids.filtered("to_remind"):
            move = wizard_move.move_id
            level = (
                self.level_id
                if override or not wizard_move.proposed_level_id
                else wizard_move.proposed_level_id
            )
            lines.append(
                Command.create(
                    {
                        "company_id": company.id,
                        "partner_id": self.partner_id.id,
                        "date": date,
                        "channel": channel,
                        "move_id": move.id,
                        "level_id": level.id,
                        "currency_id": move.currency_id.id,
                        "date_due": move.invoice_date_due,
                        "days_overdue": wizard_move.days_overdue,
                        "amount_total": move.amount_total,
                        "amount_residual": move.amount_residual,
                    }
                )
            )
        return self.env["account.dunning.action"].new(
            {
                "company_id": company.id,
                "partner_id": self.partner_id.id,
                "contact_ids": [Command.set(self.contact_ids.ids)],
                "level_id": self.level_id.id,
                "date": date,
                "channel": channel,
                "state": "draft",
                "user_id": self.partner_id._get_dunning_responsible().id,
                "amount_due": self.amount_due,
                "line_ids": lines,
                **self._get_extras_vals(),
            }
        )

    def _get_extras_vals(self):
        """What the line adds to its customer's reminders."""
        self.ensure_one()
        return {
            "personal_message": (self.personal_message or "").strip() or False,
            "attach_statement": self.attach_statement,
            "attach_terms": self.attach_terms and self.has_terms,
        }

    def _get_attachment_names(self):
        """Files joined to the line's email: the invoices' PDFs when the level
        attaches them, and the documents ticked on the line."""
        self.ensure_one()
        if not self.send_email:
            return []
        names = []
        if self.level_id.attach_invoices:
            names += [
                self.env._("%(invoice)s (PDF)", invoice=m.move_id.name)
                for m in self.move_ids
                if m.to_remind
            ]
        return names + self.env["account.dunning.send"]._get_extra_document_names(
            self.partner_id,
            self.company_id or self.env.company,
            self.attach_statement,
            self.attach_terms,
        )

    def _get_extras_preview(self):
        """The personal message (escaped) and the files joined, for the
        summary of the Preview tab."""
        self.ensure_one()
        html = Markup()
        if self.personal_message:
            html += Markup(
                "<p><strong>%s</strong></p>"
                "<p class='o_dunning_personal_message' style='white-space: pre-line;'>"
                "%s</p>"
            ) % (self.env._("Personal message:"), self.personal_message)
        names = self._get_attachment_names()
        if names:
            html += Markup("<p>%s</p>") % self.env._(
                "Attachments: %(files)s", files=", ".join(names)
            )
        return html

    def _render_email_preview(self, action):
        """Recipients, subject and body of the email of `action`, in the
        customer's language: `_generate_template` is what `send_mail_batch`
        (the engine's email channel) renders with."""
        template = action.level_id.mail_template_id
        if not template:
            return Markup("<p class='text-muted'>%s</p>") % self.env._(
                "This level has no email template."
            )
        try:
            values = template._generate_template(
                list(action._ids), ["subject", "body_html", "partner_to"]
            )[action.id]
        except Exception as error:  # noqa: BLE001 - shown to the user instead
            return Markup("<p class='text-danger'>%s</p>") % self.env._(
                "The email cannot be prepared: %(error)s", error=error
            )
        recipients = self.env["res.partner"].browse(values.get("partner_ids") or [])
        return Markup(
            "<p><strong>%s</strong> %s<br/><strong>%s</strong> %s<br/>"
            "<strong>%s</strong> %s</p><hr/>%s"
        ) % (
            self.env._("To:"),
            ", ".join(recipients.mapped("email_formatted")) or self.env._("nobody"),
            self.env._("Subject:"),
            values.get("subject") or "",
            self.env._("Attachments:"),
            ", ".join(self._get_attachment_names()) or self.env._("none"),
            Markup(values.get("body_html") or ""),
        )

    def _get_letter_preview(self, action):
        """The letter `action` (an unsaved reminder of channel "letter", with its
        lines) would print: the letter report's document, as HTML."""
        return self.env["report.account_dunning.report_dunning_letter"]._render_preview(
            action
        )
