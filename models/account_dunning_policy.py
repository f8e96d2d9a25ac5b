from odoo import api, fields, models


class AccountDunningPolicy(models.Model):
    """A dunning scenario: the ordered levels a customer's overdue invoices climb."""

    _name = "account.dunning.policy"
    _description = "Dunning policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_ids = fields.One2many(
        "account.dunning.level", "policy_id", string="Levels", copy=True
    )
    level_count = fields.Integer(compute="_compute_level_count")
    min_amount = fields.Monetary(
        string="Minimum amount",
        help="No reminder while the customer owes less than this amount.",
    )
    min_interval_days = fields.Integer(
        string="Minimum interval (days)",
        default=5,
        help="Days that must pass between two reminders to the same customer.",
    )
    grace_days = fields.Integer(
        string="Grace days",
        default=3,
        help="Days of tolerance after a promised or scheduled payment date before "
        "reminders resume.",
    )
    note = fields.Html(translate=True)

    _sql_constraints = [
        (
            "min_interval_positive",
            "CHECK(min_interval_days >= 0 AND grace_days >= 0)",
            "The minimum interval and the grace days cannot be negative.",
        ),
        (
            "min_amount_positive",
            "CHECK(min_amount >= 0)",
            "The minimum amount cannot be negative.",
        ),
    ]

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    def _get_ordered_levels(self):
        """Levels in escalation order (the order the engine climbs them)."""
        self.ensure_one()
        return self.level_ids.sorted(
            lambda level: (level.sequence, level.delay, level.id)
        )
