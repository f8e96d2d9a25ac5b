from odoo import fields, models


class AccountDunningPolicy(models.Model):
    _inherit = "account.dunning.policy"

    schedule_max_months = fields.Integer(
        string="Longest payment schedule (months)",
        default=12,
        help="A payment schedule longer than this is allowed with a warning: keep "
        "schedules as short as possible. Two years is the legal limit.",
    )
    schedule_reminder_days = fields.Integer(
        string="Instalment reminder (days before)",
        default=3,
        help="Days before each instalment of a payment schedule when the customer "
        "is reminded of it by email.",
    )

    _sql_constraints = [
        (
            "schedule_limits_positive",
            "CHECK(schedule_max_months > 0 AND schedule_reminder_days >= 0)",
            "The longest payment schedule must be at least one month and the "
            "instalment reminder cannot be negative.",
        ),
    ]
