from odoo import api, fields, models
from odoo.exceptions import ValidationError

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
    # Calls to private persons (DOMAIN.md §3.4: never on Sunday nor on a
    # public holiday; by default weekdays 10:00-13:00 and 14:00-20:00, at most
    # 4 attempts in 30 days). `account.dunning.rule._get_call_refusal` applies
    # them.
    dunning_call_monday = fields.Boolean(string="Monday", default=True)
    dunning_call_tuesday = fields.Boolean(string="Tuesday", default=True)
    dunning_call_wednesday = fields.Boolean(string="Wednesday", default=True)
    dunning_call_thursday = fields.Boolean(string="Thursday", default=True)
    dunning_call_friday = fields.Boolean(string="Friday", default=True)
    dunning_call_saturday = fields.Boolean(string="Saturday", default=False)
    dunning_call_hour_from = fields.Float(string="Calls from", default=10.0)
    dunning_call_hour_to = fields.Float(string="Calls until", default=20.0)
    dunning_call_lunch_from = fields.Float(string="Lunch break from", default=13.0)
    dunning_call_lunch_to = fields.Float(string="Lunch break until", default=14.0)
    dunning_call_max_attempts = fields.Integer(
        string="Call attempts in 30 days",
        default=4,
        help="Most call attempts to a private person within 30 days: more would "
        "be an aggressive practice (French Consumer Code L121-6 and L121-7).",
    )
    dunning_cure_days = fields.Integer(
        string="Cure period before acceleration",
        default=30,
        help="Days a private person has, after the notice of a missed payment, "
        "to pay it before the whole balance of the payment schedule becomes due. "
        "Courts held 15 days too short (Cass. civ. 1re, 29 May 2024).",
    )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains(
        "dunning_call_hour_from",
        "dunning_call_hour_to",
        "dunning_call_lunch_from",
        "dunning_call_lunch_to",
        "dunning_call_max_attempts",
    )
    def _check_dunning_call_hours(self):
        for company in self:
            start = company.dunning_call_hour_from
            end = company.dunning_call_hour_to
            if not 0 <= start < end <= 24:
                raise ValidationError(
                    self.env._(
                        "Calling hours: the start must come before the end, "
                        "within the day."
                    )
                )
            lunch_start = company.dunning_call_lunch_from
            lunch_end = company.dunning_call_lunch_to
            if lunch_start > lunch_end:
                raise ValidationError(
                    self.env._(
                        "Calling hours: the lunch break must start before it ends."
                    )
                )
            if company.dunning_call_max_attempts < 1:
                raise ValidationError(
                    self.env._("Allow at least one call attempt in 30 days.")
                )

    @api.constrains("dunning_cure_days")
    def _check_dunning_cure_days(self):
        for company in self:
            if company.dunning_cure_days <= 15:
                raise ValidationError(
                    self.env._(
                        "A cure period of %(days)s days before acceleration is too "
                        "short for a private person: 15 days were held unfair "
                        "(Cass. civ. 1re, 29 May 2024). Give more than 15 days.",
                        days=company.dunning_cure_days,
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

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
