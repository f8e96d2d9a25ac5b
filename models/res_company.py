from odoo import api, fields, models

DEFAULT_POLICY_XMLIDS = (
    "account_dunning.policy_standard",
    "account_dunning.policy_key_account",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    dunning_policy_id = fields.Many2one(
        "account.dunning.policy",
        string="Default dunning policy",
        domain="[('company_id', '=', id)]",
    )
    dunning_user_id = fields.Many2one(
        "res.users",
        string="Default credit controller",
        help="Receives the phone-call tasks of customers with neither a credit "
        "controller nor a salesperson.",
    )
    dunning_fixed_fee_amount = fields.Monetary(
        string="Fixed recovery indemnity",
        default=40.0,
        help="Owed by a professional or public customer for each invoice paid late "
        "(article D441-5 of the French Commercial Code: 40 €).",
    )
    dunning_terms_file = fields.Binary(
        string="General terms of sale",
        attachment=True,
        help='Joined to a reminder email when the user ticks "Join the general '
        'terms of sale" in the Remind dialog.',
    )
    dunning_terms_filename = fields.Char(string="Terms of sale file name")
    dunning_start_mode = fields.Selection(
        [
            ("step", "From the first level, one step at a time"),
            ("catch_up", "Catch up with the invoices' age"),
        ],
        string="First reminders of late invoices",
        default="step",
        required=True,
        help="How the nightly job treats an overdue invoice never reminded yet "
        "(an existing backlog when the addon is installed). One step at a "
        "time: it starts at the first level and climbs one level a reminder. "
        "Catch up: it starts at the level its age reaches, but never at the "
        "formal notice without a written reminder (email or letter) before "
        "it. Once an invoice has a level, it climbs one step at a time.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._dunning_create_default_policies()
        return companies

    def _dunning_create_default_policies(self):
        """Give each company its own copy of the shipped policies, so that every
        company is reminded from day one and edits stay per company."""
        templates = self.env["account.dunning.policy"]
        for xmlid in DEFAULT_POLICY_XMLIDS:
            templates |= self.env.ref(xmlid, raise_if_not_found=False) or templates
        if not templates:
            return
        # sudo: policies are configuration the company needs whoever creates it
        for company in self.sudo().filtered(lambda c: not c.dunning_policy_id):
            copies = templates.sudo().with_company(company)
            new_policies = self.env["account.dunning.policy"].sudo()
            for template in copies:
                new_policies |= template.copy({"company_id": company.id})
            company.dunning_policy_id = new_policies[:1]
