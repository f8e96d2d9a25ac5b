from odoo import api, fields, models
from odoo.tools import SQL

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

    @api.model
    def _get_rate(self, rate_type, on_date):
        """Rate (in percent) of `rate_type` in force on `on_date`, None if the
        table starts later."""
        on_date = fields.Date.to_date(on_date)
        self.flush_model(["rate_type", "date_start", "rate"])
        self.env.cr.execute(
            SQL(
                """
                SELECT rate
                  FROM account_dunning_rate
                 WHERE rate_type = %(rate_type)s AND date_start <= %(on_date)s
              ORDER BY date_start DESC
                 LIMIT 1
                """,
                rate_type=rate_type,
                on_date=on_date,
            )
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None

    @api.model
    def _get_rate_table(self):
        """All rates in one query, as {rate_type: [(date_start, rate)] ascending},
        for the computations that look up many dates."""
        self.flush_model(["rate_type", "date_start", "rate"])
        self.env.cr.execute(
            "SELECT rate_type, date_start, rate FROM account_dunning_rate "
            "ORDER BY rate_type, date_start"
        )
        table = {}
        for rate_type, date_start, rate in self.env.cr.fetchall():
            table.setdefault(rate_type, []).append((date_start, rate))
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
