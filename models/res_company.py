from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from .account_payment_term import FDM_METHODS, TRANSPORT_MAX_DAYS

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
    dunning_fdm_method = fields.Selection(
        FDM_METHODS,
        string='"45 days end of month" counted',
        default="eom_then_days",
        required=True,
        help="(A) end of the invoice month, then 45 days: an invoice of 15 January "
        "is due on 17 March; (B) 45 days after the invoice date, then end of that "
        "month: due on 31 March. The law allows both (DGCCRF).",
    )
    dunning_fdm_payment_term_id = fields.Many2one(
        "account.payment.term",
        string='"45 days end of month" payment term',
        help="The company's payment term counted the way it chose.",
    )
    dunning_sector = fields.Selection(
        [
            ("general", "General"),
            ("transport", "Road transport, vehicle rental, freight forwarding"),
        ],
        string="Business sector",
        default="general",
        required=True,
        help="Road transport, vehicle rental and freight forwarding are paid within "
        "30 days of the invoice date at most (article L441-11 II of the French "
        "Commercial Code): longer payment terms get a warning.",
    )
    dunning_transport_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Transport payment term",
        help="30 days from the invoice date, the legal maximum for transport.",
    )
    dunning_einvoice_grace_days = fields.Integer(
        string="Days after a payment transmitted",
        default=5,
        help="After the buyer's platform reports the payment transmitted (status "
        "211), no reminder for these days while the funds arrive.",
    )

    @api.constrains("dunning_einvoice_grace_days")
    def _check_dunning_einvoice_grace_days(self):
        if any(company.dunning_einvoice_grace_days < 0 for company in self):
            raise ValidationError(
                self.env._("The days after a payment transmitted cannot be negative.")
            )

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

    def _dunning_sync_payment_terms(self):
        """The company's legal payment terms, created once and kept as the
        settings say: "45 days end of month" counted the company's way, and
        for a transport company "30 days" (the sector's maximum)."""
        Term = self.env["account.payment.term"]
        for company in self:
            term = company.dunning_fdm_payment_term_id
            if not term:
                term = Term.create(
                    {
                        "name": self.env._("45 days end of month"),
                        "company_id": company.id,
                        "line_ids": [
                            Command.create(
                                {"value": "percent", "value_amount": 100, "nb_days": 45}
                            )
                        ],
                    }
                )
                company.dunning_fdm_payment_term_id = term
            if term.dunning_fdm_method != company.dunning_fdm_method:
                term.dunning_fdm_method = company.dunning_fdm_method
            if (
                company.dunning_sector == "transport"
                and not company.dunning_transport_payment_term_id
            ):
                company.dunning_transport_payment_term_id = Term.create(
                    {
                        "name": self.env._("30 days (transport)"),
                        "company_id": company.id,
                        "line_ids": [
                            Command.create(
                                {
                                    "value": "percent",
                                    "value_amount": 100,
                                    "nb_days": TRANSPORT_MAX_DAYS,
                                }
                            )
                        ],
                    }
                )

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
