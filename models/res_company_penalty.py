from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    dunning_fixed_fee_amount = fields.Monetary(
        string="Fixed recovery indemnity",
        default=40.0,
        help="Owed by a professional or public customer for each invoice paid late "
        "(article D441-5 of the French Commercial Code: 40 €).",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dunning_fixed_fee_amount = fields.Monetary(
        related="company_id.dunning_fixed_fee_amount", readonly=False
    )
