from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_round

DEBTOR_CATEGORIES = [
    ("b2b", "Professional"),
    ("b2c", "Private person"),
    ("b2g", "Public buyer"),
]


def check_contract_rate_floor(records, field_name, label):
    """Refuse a contractual late-payment rate below three times the legal
    interest rate in force today (C. com. L441-10 II)."""
    rates = records.env["account.dunning.rate"]
    today = fields.Date.context_today(records)
    for record in records:
        rate = record[field_name]
        if not rate:
            continue
        floor = rates._get_contract_rate_floor(today)
        if floor is not None and float_compare(rate, floor, precision_digits=4) < 0:
            raise ValidationError(
                records.env._(
                    "The contractual late-payment rate of %(record)s (%(rate)s %%) "
                    "is below the legal minimum of %(floor)s %%: three times the "
                    "French legal interest rate in force. Leave it empty to apply "
                    "the default rate (ECB rate + 10 points).",
                    record=record.display_name or label,
                    rate=rate,
                    floor=floor,
                )
            )


class AccountDunningRate(models.Model):
    _inherit = "account.dunning.rate"

    @api.model
    def _get_contract_rate_floor(self, on_date):
        """Lowest contractual B2B rate allowed on `on_date`, in percent."""
        legal = self._get_rate("legal_business", on_date)
        if legal is None:
            return None
        return float_round(3 * legal, precision_digits=4)


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_debtor_category = fields.Selection(
        DEBTOR_CATEGORIES,
        string="Debtor category",
        compute="_compute_dunning_debtor_category",
        store=True,
        readonly=False,
        help="Decides the late-payment penalties: professionals owe interest from "
        "the day after the due date plus a 40 € indemnity per invoice; public "
        "buyers owe moratorium interest plus 40 €; private persons owe only "
        "legal interest from the formal notice.",
    )
    dunning_public_hospital = fields.Boolean(
        string="Public hospital",
        help="Public health institution: the legal payment period is 50 days "
        "instead of 30.",
    )
    dunning_contract_rate = fields.Float(
        string="Contractual penalty rate (%)",
        digits=(16, 2),
        help="Late-payment rate agreed with this customer; empty: the rate of the "
        "policy, else the legal default (ECB rate + 10 points).",
    )

    dunning_claim_deadline = fields.Date(
        string="Declare the claim before",
        compute="_compute_dunning_claim_deadline",
        help="Last day to declare the claim to the court-appointed representative: "
        "two months after the publication of the opening judgment in the BODACC, "
        "four months for a creditor outside mainland France (C. com. R622-24).",
    )

    @api.depends("dunning_proceedings", "dunning_proceedings_date")
    @api.depends_context("company")
    def _compute_dunning_claim_deadline(self):
        creditor = self.env.company.partner_id
        months = 2 if creditor._is_in_mainland_france() else 4
        for partner in self:
            published = partner.dunning_proceedings and partner.dunning_proceedings_date
            partner.dunning_claim_deadline = published and published + relativedelta(
                months=months
            )

    @api.depends("is_public_entity", "is_company", "vat")
    def _compute_dunning_debtor_category(self):
        for partner in self:
            if partner.is_public_entity:
                partner.dunning_debtor_category = "b2g"
            elif partner.is_company or partner.vat:
                partner.dunning_debtor_category = "b2b"
            else:
                partner.dunning_debtor_category = "b2c"

    @api.constrains("dunning_contract_rate")
    def _check_dunning_contract_rate(self):
        check_contract_rate_floor(self, "dunning_contract_rate", "")

    def _is_dunning_in_proceedings(self, on_date):
        """Under collective proceedings published on or before `on_date` (no
        publication date recorded: as soon as the proceedings are entered)."""
        self.ensure_one()
        return bool(self.dunning_proceedings) and (
            not self.dunning_proceedings_date
            or self.dunning_proceedings_date <= on_date
        )

    def _is_in_mainland_france(self):
        """France without its overseas departments and territories (postcodes
        97x and 98x); a partner without a country counts as French."""
        self.ensure_one()
        if self.country_id and self.country_id.code != "FR":
            return False
        return not (self.zip or "").strip().startswith(("97", "98"))
