from odoo import api, fields, models

# Days before a claim lapses from which the night proposes the formal notice
# or the hand-over instead of another reminder (DOMAIN.md §4.3).
LIMITATION_ALERT_DAYS = 180
# Ceiling of principal and interest for the simplified recovery of small
# claims by a commissaire de justice (CPCE R125-1, DOMAIN.md §4.2).
SMALL_CLAIMS_LIMIT = 5000.0


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
    portal_promise_days = fields.Integer(
        string="Longest promise on the customer page (days)",
        default=30,
        help="A customer may promise on its page to pay up to this many days "
        "ahead; beyond, the page asks them to call you.",
    )
    note = fields.Html(translate=True)
    # Late-payment penalties
    contract_rate = fields.Float(
        string="Contractual penalty rate (%)",
        digits=(16, 2),
        help="Late-payment rate of your terms of sale for professionals; empty: "
        "the legal default (ECB rate + 10 points). It may not be lower than three "
        "times the legal interest rate.",
    )
    leap_year_366 = fields.Boolean(
        string="366-day years",
        help="Count interest over 366 days in leap years instead of 365.",
    )
    semester_split = fields.Boolean(
        string="Split at 1 January / 1 July",
        default=True,
        help="When a delay spans 1 January or 1 July, apply the new ECB rate to the "
        "days after it (literal reading of article L441-10). Unticked: the rate of "
        "the first day of the delay applies to the whole delay.",
    )
    # Legal deadlines
    limitation_alert_days = fields.Integer(
        string="Limitation alert (days)",
        default=LIMITATION_ALERT_DAYS,
        help="Days before an invoice's claim lapses (2 years for a private "
        "person, 5 for a professional, 4 for a public buyer) from which the "
        "customer form and the work queue warn, and the night proposes the "
        "formal notice, or the hand-over once the notice was sent, instead of "
        "another reminder.",
    )
    small_claims_limit = fields.Monetary(
        string="Small-claims ceiling",
        default=SMALL_CLAIMS_LIMIT,
        help="Highest principal plus interest a commissaire de justice may "
        "recover through the simplified small-claims procedure (5,000 € since "
        "2022): the hand-over proposes it up to this amount, the injonction "
        "de payer above.",
    )
    # Payment schedules
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
            "min_interval_positive",
            "CHECK(min_interval_days >= 0 AND grace_days >= 0)",
            "The minimum interval and the grace days cannot be negative.",
        ),
        (
            "portal_promise_days_positive",
            "CHECK(portal_promise_days > 0)",
            "The longest promise on the customer page must be at least one day.",
        ),
        (
            "min_amount_positive",
            "CHECK(min_amount >= 0)",
            "The minimum amount cannot be negative.",
        ),
        (
            "limitation_alert_days_positive",
            "CHECK(limitation_alert_days >= 0 AND small_claims_limit >= 0)",
            "The limitation alert and the small-claims ceiling cannot be negative.",
        ),
        (
            "schedule_limits_positive",
            "CHECK(schedule_max_months > 0 AND schedule_reminder_days >= 0)",
            "The longest payment schedule must be at least one month and the "
            "instalment reminder cannot be negative.",
        ),
    ]

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    @api.constrains("contract_rate")
    def _check_contract_rate(self):
        self.env["account.dunning.rate"]._check_contract_rate_floor(
            self, "contract_rate"
        )

    def _get_ordered_levels(self):
        """Levels in escalation order (the order the engine climbs them)."""
        self.ensure_one()
        return self.level_ids.sorted(
            lambda level: (level.sequence, level.delay, level.id)
        )

    @api.model
    def _get_catch_up_level(self, policy, days):
        """Where `policy` (a `lib.snapshot.Policy`) starts an invoice `days`
        late and never reminded when its company catches up with a backlog
        (`dunning_start_mode`; `account.dunning.rule._get_next_level` asks):
        the highest level its age reaches, never the formal notice. An
        invoice never reminded has had no written reminder (email or letter),
        and a notice must follow one: when no level from there up to the
        notice writes, it starts at the last written level its age reaches
        instead, and climbs from there one step at a time. None when no level
        after the due date is reached yet."""
        reached = [
            level
            for level in policy.levels
            if 0 <= level.delay <= days and not level.is_formal_notice
        ]
        if not reached:
            return None
        start = reached[-1]
        notice = next((lv for lv in policy.levels if lv.is_formal_notice), None)
        written = [lv for lv in reached if {"email", "letter"} & set(lv.channels)]
        if (
            notice
            and written
            and not any(
                {"email", "letter"} & set(lv.channels)
                for lv in policy.levels
                if start.delay <= lv.delay < notice.delay
            )
        ):
            start = written[-1]
        return start
