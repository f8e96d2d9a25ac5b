import time

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

# Wizard channel fields, in the engine's channel order.
CHANNEL_FIELDS = [
    ("email", "send_email"),
    ("sms", "send_sms"),
    ("letter", "send_letter"),
    ("call", "create_activity"),
]


class AccountDunningWizard(models.TransientModel):
    """ "Relancer": remind the selected invoices or customers now.

    The lines come from ONE evaluation of the escalation rule (the engine's
    `_evaluate`) on an unsaved run, so the wizard proposes exactly what the
    nightly job would, without the interval between two reminders (the user
    asks explicitly).
    """

    _name = "account.dunning.wizard"
    _description = "Remind customers"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, readonly=True)
    line_ids = fields.One2many(
        "account.dunning.wizard.line", "wizard_id", string="Customers"
    )
    line_count = fields.Integer(compute="_compute_counts")
    remind_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.move_ids.to_remind")
    def _compute_counts(self):
        for wizard in self:
            wizard.line_count = len(wizard.line_ids)
            wizard.remind_count = sum(
                1 for move in wizard.line_ids.move_ids if move.to_remind
            )

    @api.model
    def _get_open_action(self, model, ids):
        if not ids:
            raise UserError(_("Select the invoices or the customers to remind."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Remind"),
            "res_model": "account.dunning.wizard",
            "view_mode": "form",
            "views": [[False, "form"]],
            "target": "new",
            "context": {
                "active_model": model,
                "active_ids": ids,
                "active_id": ids[0],
            },
        }

    # ------------------------------------------------------------
    # DEFAULTS: one evaluation of the engine
    # ------------------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "line_ids" not in fields_list:
            return res
        company = self.env.company
        date = self.env["account.dunning.run"]._company_today(company)
        moves = self._get_selected_moves()
        res.update(
            {
                "company_id": company.id,
                "date": date,
                "line_ids": self._prepare_lines(moves, company, date),
            }
        )
        return res

    @api.model
    def _get_selected_moves(self):
        """Open invoices the user selected, or those of the selected customers."""
        context = self.env.context
        model = context.get("active_model")
        ids = context.get("active_ids") or (
            [context["active_id"]] if context.get("active_id") else []
        )
        if not ids:
            raise UserError(_("Select the invoices or the customers to remind."))
        Move = self.env["account.move"]
        company = self.env.company
        if model == "account.move":
            moves = Move.browse(ids)
            moves.fetch(
                ["move_type", "state", "company_id", "currency_id", "amount_residual"]
            )
            wrong = moves.filtered(
                lambda m: m.move_type != "out_invoice"
                or m.state != "posted"
                or m.company_id != company
                or m.currency_id.compare_amounts(m.amount_residual, 0) <= 0
            )
            if wrong:
                raise UserError(
                    _(
                        "Only posted customer invoices of %(company)s with an amount "
                        "still due can be reminded. Remove these from the selection: "
                        "%(moves)s.",
                        company=company.name,
                        moves=", ".join(wrong.mapped("display_name")),
                    )
                )
            return moves
        if model == "res.partner":
            partners = self.env["res.partner"].browse(ids).commercial_partner_id
        elif model == "account.dunning.queue":
            partners = self.env["account.dunning.queue"].browse(ids).partner_id
        else:
            raise UserError(_("Select the invoices or the customers to remind."))
        moves = Move.search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("amount_residual", ">", 0),
                ("commercial_partner_id", "in", partners.ids),
            ]
        )
        if not moves:
            raise UserError(
                _(
                    "%(customers)s: no open invoice to remind in %(company)s.",
                    customers=", ".join(partners.mapped("display_name")),
                    company=company.name,
                )
            )
        return moves

    @api.model
    def _prepare_lines(self, moves, company, date):
        Move = self.env["account.move"]
        moves = Move.browse(moves.ids)
        moves.fetch(Move._get_dunning_read_fields())
        partners = moves.commercial_partner_id
        run = self.env["account.dunning.run"].new(
            {"company_id": company.id, "date": date, "trigger": "manual"}
        )
        evaluation = run._evaluate(partners, move_ids=moves.ids, ignore_interval=True)
        proposals = {p["partner"].id: p for p in evaluation["proposals"]}
        reasons = evaluation["reasons"]
        partner_reasons = evaluation["partner_reasons"]
        labels = self._get_reason_labels()
        lines = []
        for partner, partner_moves in moves.grouped("commercial_partner_id").items():
            proposal = proposals.get(partner.id)
            targets = proposal["targets"] if proposal else {}
            partner_cause = partner_reasons.get(partner.id)
            warnings = [labels[partner_cause]] if partner_cause else []
            move_vals = []
            overdue = 0.0
            for move in partner_moves.sorted(lambda m: (m.invoice_date_due, m.id)):
                days = (date - move.invoice_date_due).days
                if days > 0:
                    overdue += move.amount_residual_signed
                target = targets.get(move)
                cause = partner_cause or reasons.get(move.id)
                if not target and not cause:
                    cause = "not_due"
                if cause and cause not in ("not_due", partner_cause):
                    warnings.append(
                        _(
                            "%(invoice)s: %(reason)s",
                            invoice=move.name,
                            reason=labels[cause],
                        )
                    )
                move_vals.append(
                    Command.create(
                        {
                            "move_id": move.id,
                            "currency_id": move.currency_id.id,
                            "date_due": move.invoice_date_due,
                            "days_overdue": days,
                            "amount_residual": move.amount_residual,
                            "current_level_id": move.dunning_level_id.id,
                            "proposed_level_id": target.id if target else False,
                            "skip_reason": labels[cause] if cause else False,
                            "to_remind": bool(target),
                            "can_remind": cause in (None, "not_due"),
                        }
                    )
                )
            policy = (
                proposal["policy"]
                if proposal
                else (
                    partner.with_company(company).dunning_policy_id
                    or company.dunning_policy_id
                )
            )
            level = (
                max(targets.values(), key=lambda lv: (lv.delay, lv.sequence))
                if targets
                else False
            )
            lines.append(
                Command.create(
                    {
                        "partner_id": partner.id,
                        "currency_id": company.currency_id.id,
                        "policy_id": policy.id,
                        "amount_due": proposal["amount_due"] if proposal else overdue,
                        "proposed_level_id": level and level.id,
                        "level_id": level and level.id,
                        "warning": "\n".join(warnings) or False,
                        "move_ids": move_vals,
                    }
                )
            )
        return lines

    @api.model
    def _get_reason_labels(self):
        return {
            "skip_excluded": _("excluded from reminders"),
            "skip_disputed": _("in dispute"),
            "skip_promise": _("covered by a promise of payment"),
            "skip_pending": _(
                "already reminded at this level, or a reminder awaits confirmation"
            ),
            "skip_schedule": _("in an active payment schedule"),
            "skip_blocked": _("This customer is blocked: no reminders."),
            "skip_paused": _("Reminders to this customer are paused."),
            "skip_proceedings": _(
                "This customer is under collective proceedings: declare the claim "
                "instead of reminding."
            ),
            "skip_to_reconcile": _(
                "This customer has unapplied payments or credit notes and owes "
                "nothing: reconcile before reminding."
            ),
            "skip_minimum": _(
                "The amount due is under the minimum of the customer's policy."
            ),
            "skip_interval": _("This customer was reminded too recently."),
            "skip_no_policy": _("This customer has no dunning policy."),
            "not_due": _("no new level due yet"),
        }

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        """Create the reminders through the engine, send them, open them."""
        self.ensure_one()
        started = time.monotonic()
        Run = self.env["account.dunning.run"]
        self.env.flush_all()
        wizard_moves = self.line_ids.move_ids.filtered(
            lambda m: m.to_remind and m.can_remind
        )
        taken = Run._fetch_taken_slots(wizard_moves.move_id.ids)
        skipped = []
        proposals = []
        contacts_by_partner = {}
        for line in self.line_ids:
            channels = line._get_channels()
            if not line.level_id or not channels:
                continue
            override = line.level_id != line.proposed_level_id
            targets = {}
            for wizard_move in line.move_ids & wizard_moves:
                level = (
                    line.level_id
                    if override or not wizard_move.proposed_level_id
                    else wizard_move.proposed_level_id
                )
                if (wizard_move.move_id.id, level.id) in taken:
                    skipped.append(wizard_move.move_id.name)
                    continue
                targets[wizard_move.move_id] = level
            if not targets:
                continue
            proposals.append(
                {
                    "partner": line.partner_id,
                    "policy": line.policy_id,
                    "targets": targets,
                    "amount_due": line.amount_due,
                    "channels": channels,
                }
            )
            contacts_by_partner[line.partner_id] = line.contact_ids
        if not proposals:
            message = _("Nothing to remind: tick an invoice and a channel.")
            if skipped:
                message = _(
                    "Nothing to remind: these invoices already have a reminder at "
                    "this level: %(moves)s.",
                    moves=", ".join(skipped),
                )
            raise UserError(message)
        run = Run.create(
            {
                "company_id": self.company_id.id,
                "date": self.date,
                "trigger": "manual",
                "state": "running",
                "start_datetime": fields.Datetime.now(),
            }
        )
        actions = run._create_actions(proposals)
        for partner, partner_actions in actions.grouped("partner_id").items():
            if contacts_by_partner.get(partner):
                partner_actions.contact_ids = contacts_by_partner[partner]
        to_execute = actions
        if not self.env.user.has_group("account_dunning.group_account_dunning_manager"):
            to_execute = actions.filtered(lambda a: not a.is_formal_notice)
        to_execute._execute()
        vals = run._get_counters_vals(
            {
                "partner_count": len(self.line_ids),
                "invoice_count": len(self.line_ids.move_ids),
                "skipped": {},
            },
            [(action.channel, action.state) for action in actions],
            [
                (action.partner_id.display_name, action.error_message)
                for action in actions
                if action.state == "failed"
            ],
        )
        vals.update(
            {
                "state": "done",
                "end_datetime": fields.Datetime.now(),
                "duration": time.monotonic() - started,
            }
        )
        run.write(vals)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_action_action"
        )
        action["domain"] = [("id", "in", actions.ids)]
        action["context"] = {"create": False}
        action["target"] = "main"
        return action


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
    policy_id = fields.Many2one("account.dunning.policy", string="Policy")
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
        string="Level",
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
        for line in self:
            contacts = line.contact_ids
            partner = line.partner_id
            problems = []
            if line.send_email and not any(c.email for c in contacts):
                problems.append(
                    _("Email: no recipient has an email address.")
                    if contacts
                    else _("Email: choose a recipient with an email address.")
                )
            if line.send_sms and not any(
                c.phone_sanitized or c.mobile for c in contacts
            ):
                problems.append(_("SMS: no recipient has a mobile phone number."))
            if line.create_activity and not any(
                c.phone or c.mobile for c in contacts | partner
            ):
                problems.append(_("Phone call: no phone number for this customer."))
            if line.send_letter and not (
                partner.street and partner.city and partner.zip
            ):
                problems.append(
                    _("Letter: the customer's postal address is incomplete.")
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
                line.preview = Markup("<p>%s</p>") % _("Choose a level to remind.")
                continue
            names = [m.move_id.name for m in line.move_ids if m.to_remind]
            channels = ", ".join(channel_names[c] for c in line._get_channels())
            line.preview = Markup(
                "<p><strong>%s</strong></p><p>%s</p><p>%s</p><p>%s</p>"
            ) % (
                line.level_id.name,
                _("Channels: %(channels)s", channels=channels or _("none")),
                _(
                    "Amount due: %(amount)s",
                    amount=format_amount(self.env, line.amount_due, line.currency_id),
                ),
                _(
                    "Invoices reminded (%(count)s): %(invoices)s",
                    count=len(names),
                    invoices=", ".join(names) or _("none"),
                ),
            )

    @api.depends(
        "show_preview",
        "level_id",
        "send_email",
        "send_letter",
        "contact_ids",
        "amount_due",
        "move_ids.to_remind",
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
                ) or Markup("<p class='text-muted'>%s</p>") % _(
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
            }
        )

    def _render_email_preview(self, action):
        """Recipients, subject and body of the email of `action`, in the
        customer's language: `_generate_template` is what `send_mail_batch`
        (the engine's email channel) renders with."""
        template = action.level_id.mail_template_id
        if not template:
            return Markup("<p class='text-muted'>%s</p>") % _(
                "This level has no email template."
            )
        try:
            values = template._generate_template(
                list(action._ids), ["subject", "body_html", "partner_to"]
            )[action.id]
        except Exception as error:  # noqa: BLE001 - shown to the user instead
            return Markup("<p class='text-danger'>%s</p>") % _(
                "The email cannot be prepared: %(error)s", error=error
            )
        recipients = self.env["res.partner"].browse(values.get("partner_ids") or [])
        return Markup(
            "<p><strong>%s</strong> %s<br/><strong>%s</strong> %s</p><hr/>%s"
        ) % (
            _("To:"),
            ", ".join(recipients.mapped("email_formatted")) or _("nobody"),
            _("Subject:"),
            values.get("subject") or "",
            Markup(values.get("body_html") or ""),
        )

    def _get_letter_preview(self, action):
        """The letter `action` (an unsaved reminder of channel "letter", with its
        lines) would print: the letter report's document, as HTML."""
        return self.env["report.account_dunning.report_dunning_letter"]._render_preview(
            action
        )


class AccountDunningWizardMove(models.TransientModel):
    """One invoice of a wizard line: where it is and where it goes."""

    _name = "account.dunning.wizard.move"
    _description = "Invoice to remind"
    _order = "date_due, id"

    line_id = fields.Many2one(
        "account.dunning.wizard.line", required=True, ondelete="cascade", index=True
    )
    move_id = fields.Many2one("account.move", string="Invoice", required=True)
    currency_id = fields.Many2one("res.currency")
    date_due = fields.Date(string="Due date")
    days_overdue = fields.Integer(string="Days late")
    amount_residual = fields.Monetary(string="Amount due")
    current_level_id = fields.Many2one("account.dunning.level", string="Current level")
    proposed_level_id = fields.Many2one(
        "account.dunning.level", string="Proposed level"
    )
    skip_reason = fields.Char(string="Not reminded because")
    to_remind = fields.Boolean(string="Remind")
    can_remind = fields.Boolean(
        help="False when the escalation rule forbids reminding this invoice "
        "(dispute, promise, excluded, customer blocked...)."
    )


class AccountMove(models.Model):
    _inherit = "account.move"

    def action_dunning_wizard(self):
        """Open "Relancer" on these invoices."""
        return self.env["account.dunning.wizard"]._get_open_action(
            "account.move", self.ids
        )


class ResPartner(models.Model):
    _inherit = "res.partner"

    def action_dunning_wizard(self):
        """Open "Relancer" on every open invoice of these customers."""
        return self.env["account.dunning.wizard"]._get_open_action(
            "res.partner", self.ids
        )


class AccountDunningQueue(models.Model):
    _inherit = "account.dunning.queue"

    def action_dunning_wizard(self):
        return self.env["account.dunning.wizard"]._get_open_action(
            "account.dunning.queue", self.ids
        )
