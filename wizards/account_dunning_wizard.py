import time

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class AccountDunningWizard(models.TransientModel):
    """ "Relancer": remind the selected invoices or customers now.

    The lines come from ONE evaluation of the escalation rule (the engine's
    `_evaluate`) on an unsaved run, so the wizard proposes exactly what the
    nightly job would, without the interval between two reminders (the user
    asks explicitly).
    """

    _name = "account.dunning.wizard"
    _inherit = ["account.dunning.selection.mixin"]
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
    def _get_open_action(self, model, ids, name=None):
        action = super()._get_open_action(model, ids, name or self.env._("Remind"))
        # a line per customer with its channels: the widest dialog
        action["context"]["dialog_size"] = "extra-large"
        return action

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
        records = self._get_selection()
        company = self.env.company
        if records._name == "account.move":
            open_moves = records.filtered_domain(
                self.env["account.dunning.rule"]._get_open_invoice_domain(company)
            )
            wrong = records - open_moves
            if wrong:
                raise UserError(
                    self.env._(
                        "Only posted customer invoices of %(company)s with an amount "
                        "still due can be reminded. Remove these from the selection: "
                        "%(moves)s.",
                        company=company.name,
                        moves=", ".join(wrong.mapped("display_name")),
                    )
                )
            return records
        partners = self._get_selection_customers(records)
        moves = self._search_open_invoices(partners)
        if not moves:
            raise UserError(
                self.env._(
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
        labels = self.env["account.dunning.rule"]._get_skip_explanations()
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
                        self.env._(
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
                proposal["policy"] if proposal else partner._get_dunning_policy(company)
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
                        "amount_due": proposal["amount_due"]
                        if proposal
                        else company.currency_id.round(overdue),
                        "proposed_level_id": level and level.id,
                        "level_id": level and level.id,
                        "warning": "\n".join(warnings) or False,
                        "move_ids": move_vals,
                    }
                )
            )
        return lines

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
        taken = self.env["account.dunning.action.line"]._fetch_taken_slots(
            wizard_moves.move_id.ids
        )
        skipped = []
        proposals = []
        contacts_by_partner = {}
        extras_by_partner = {}
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
            extras = line._get_extras_vals()
            if any(extras.values()):
                extras_by_partner[line.partner_id] = extras
        if not proposals:
            message = self.env._("Nothing to remind: tick an invoice and a channel.")
            if skipped:
                message = self.env._(
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
            if partner in extras_by_partner:
                partner_actions.write(extras_by_partner[partner])
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
