from odoo import api, fields, models


class AccountDunningScheduleMixin(models.AbstractModel):
    """The customer's current schedule and its progress (customer form, work
    queue), read for all records in one search."""

    _name = "account.dunning.schedule.mixin"
    _description = "Payment schedule progress"

    dunning_schedule_current_id = fields.Many2one(
        "account.dunning.schedule",
        string="Current payment schedule",
        compute="_compute_dunning_schedule_current",
    )
    dunning_schedule_paid = fields.Monetary(
        string="Schedule paid",
        compute="_compute_dunning_schedule_current",
        currency_field="dunning_schedule_currency_id",
    )
    dunning_schedule_due = fields.Monetary(
        string="Schedule due",
        compute="_compute_dunning_schedule_current",
        currency_field="dunning_schedule_currency_id",
    )
    dunning_schedule_late = fields.Monetary(
        string="Schedule late",
        compute="_compute_dunning_schedule_current",
        currency_field="dunning_schedule_currency_id",
    )
    dunning_schedule_currency_id = fields.Many2one(
        "res.currency", compute="_compute_dunning_schedule_current"
    )

    def _get_schedule_partner_company(self):
        """(commercial partner, company) of each record."""
        raise NotImplementedError

    @api.depends_context("company")
    def _compute_dunning_schedule_current(self):
        keys = {record: record._get_schedule_partner_company() for record in self}
        schedules = self.env["account.dunning.schedule"].search(
            [
                ("partner_id", "in", [p.id for p, _c in keys.values()]),
                ("state", "in", ("draft", "active", "defaulted")),
            ],
            order="id desc",
        )
        current = {}
        for schedule in schedules:
            current.setdefault((schedule.partner_id, schedule.company_id), schedule)
        for record, key in keys.items():
            schedule = current.get(key) or self.env["account.dunning.schedule"]
            record.dunning_schedule_current_id = schedule
            record.dunning_schedule_paid = schedule.paid_amount
            record.dunning_schedule_due = schedule.due_amount
            record.dunning_schedule_late = schedule.late_amount
            record.dunning_schedule_currency_id = (
                schedule.currency_id or key[1].currency_id
            )

    def action_open_dunning_schedule_wizard(self):
        return self.env["account.dunning.schedule.wizard"]._get_open_action(
            self._name, self.ids
        )
