from datetime import date

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_round, format_date

# Rates the penalties of a half-year are computed with, published for each
# half-year (1 January, 1 July): the table must hold one dated in it.
HALF_YEAR_RATES = ("ecb_mro", "legal_business")
RATE_TYPES = [
    ("ecb_mro", "ECB main refinancing rate"),
    ("legal_business", "French legal interest rate — other cases"),
    ("legal_consumer", "French legal interest rate — creditor is a consumer"),
]


class AccountDunningRate(models.Model):
    """A reference rate from a date on: the figures the penalties are computed with.

    National or European figures, shared by all companies. A rate stays in force
    until the next row of the same type."""

    _name = "account.dunning.rate"
    _description = "Late-payment reference rate"
    _order = "date_start desc, rate_type"
    _rec_name = "rate_type"

    rate_type = fields.Selection(RATE_TYPES, string="Rate", required=True, index=True)
    date_start = fields.Date(
        string="Effective date",
        required=True,
        index=True,
        help="The rate applies from this day until the next rate of the same kind.",
    )
    rate = fields.Float(string="Rate (%)", digits=(16, 4), required=True)
    note = fields.Char(help="Source of the figure (decision, official journal...).")

    _sql_constraints = [
        (
            "rate_type_date_unique",
            "UNIQUE(rate_type, date_start)",
            "There is already a rate of this kind from this date.",
        ),
    ]

    @api.depends("rate_type", "date_start", "rate")
    def _compute_display_name(self):
        labels = dict(self._fields["rate_type"]._description_selection(self.env))
        for rate in self:
            rate.display_name = "{} {} ({} %)".format(
                labels.get(rate.rate_type, ""),
                fields.Date.to_string(rate.date_start) if rate.date_start else "",
                rate.rate,
            )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_rate(self, rate_type, on_date):
        """Rate (in percent) of `rate_type` in force on `on_date`, None if the
        table starts later."""
        rate = self.search(
            [
                ("rate_type", "=", rate_type),
                ("date_start", "<=", fields.Date.to_date(on_date)),
            ],
            order="date_start desc",
            limit=1,
        )
        return rate.rate if rate else None

    @api.model
    def _get_rate_table(self):
        """All rates in one query, as {rate_type: [(date_start, rate)] ascending},
        for the computations that look up many dates."""
        table = {}
        rates = self.search_fetch(
            [], ["rate_type", "date_start", "rate"], order="rate_type, date_start"
        )
        for rate in rates:
            table.setdefault(rate.rate_type, []).append((rate.date_start, rate.rate))
        return table

    @api.model
    def _lookup(self, table, rate_type, on_date):
        """Rate in force on `on_date` in a table from `_get_rate_table`."""
        found = None
        for date_start, rate in table.get(rate_type, ()):
            if date_start > on_date:
                break
            found = rate
        return found

    @api.model
    def _get_missing_half_year_rates(self, on_date):
        """(first day of the half-year of `on_date`, [rate types without a row
        dated in that half-year up to `on_date`]): penalties would be computed
        on the rate of an earlier half-year, which may be stale."""
        start = date(on_date.year, 1 if on_date.month <= 6 else 7, 1)
        found = {
            rate_type
            for (rate_type,) in self._read_group(
                [
                    ("rate_type", "in", HALF_YEAR_RATES),
                    ("date_start", ">=", start),
                    ("date_start", "<=", on_date),
                ],
                ["rate_type"],
            )
        }
        return start, [rate for rate in HALF_YEAR_RATES if rate not in found]

    @api.model
    def _get_contract_rate_floor(self, on_date):
        """Lowest contractual B2B rate allowed on `on_date`, in percent."""
        legal = self._get_rate("legal_business", on_date)
        if legal is None:
            return None
        return float_round(3 * legal, precision_digits=4)

    @api.model
    def _check_contract_rate_floor(self, records, field_name):
        """Refuse a contractual late-payment rate (field `field_name` of
        `records`: customers, policies) below three times the legal interest
        rate in force today (C. com. L441-10 II)."""
        floor = self._get_contract_rate_floor(fields.Date.context_today(self))
        if floor is None:
            return
        for record in records:
            rate = record[field_name]
            if rate and float_compare(rate, floor, precision_digits=4) < 0:
                raise ValidationError(
                    self.env._(
                        "The contractual late-payment rate of %(record)s "
                        "(%(rate)s %%) is below the legal minimum of %(floor)s %%: "
                        "three times the French legal interest rate in force. "
                        "Leave it empty to apply the default rate (ECB rate + 10 "
                        "points).",
                        record=record.display_name,
                        rate=rate,
                        floor=floor,
                    )
                )

    @api.model
    def _check_half_year_rates(self, company, on_date):
        """The warning of a night (`on_date`) in a half-year for which the
        table has no rate, else False; the first time, a credit manager of
        `company` gets a to-do: penalties would silently be computed on the
        rate of an earlier half-year."""
        start, missing = self._get_missing_half_year_rates(on_date)
        if not missing:
            return False
        labels = dict(self._fields["rate_type"]._description_selection(self.env))
        warning = self.env._(
            "No rate recorded for the half-year from %(start)s: %(rates)s. "
            "Late-payment penalties use the rate of an earlier half-year until "
            "you record the rate in force on %(start)s (Invoicing > "
            "Configuration > Reminders > Reference rates), even when unchanged.",
            start=format_date(self.env, start),
            rates=", ".join(labels[rate] for rate in missing),
        )
        summary = self.env._(
            "Record the reference rates of the half-year from %(start)s",
            start=format_date(self.env, start),
        )
        company_partner = company.partner_id
        # no assignment email: the to-do shows in the manager's activities
        Activity = self.env["mail.activity"].with_context(
            mail_activity_quick_update=True
        )
        if Activity.search_count(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", company_partner.id),
                ("summary", "=", summary),
            ],
            limit=1,
        ):
            return warning
        managers = self.env.ref("account_dunning.group_account_dunning_manager").users
        managers = managers.filtered(
            lambda user: not user.share and company in user.company_ids
        )
        Activity.create(
            [
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": company_partner.id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                    "summary": summary,
                    "note": warning,
                    "user_id": user.id,
                }
                for user in managers[:1]
            ]
        )
        return warning
