from odoo import api, fields, models

from .res_partner_penalty import check_contract_rate_floor


class AccountDunningPolicy(models.Model):
    _inherit = "account.dunning.policy"

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

    @api.constrains("contract_rate")
    def _check_contract_rate(self):
        check_contract_rate_floor(self, "contract_rate", "")
