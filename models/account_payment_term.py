from datetime import date, timedelta

from odoo import api, fields, models
from odoo.tools import date_utils

# The two readings of "45 jours fin de mois" the DGCCRF accepts (DOMAIN.md §2),
# each written with Odoo's own delay types of a payment term line.
FDM_METHODS = [
    ("eom_then_days", "End of month, then the days (A)"),
    ("days_then_eom", "The days, then end of month (B)"),
]
FDM_DELAY_TYPES = {
    "eom_then_days": {"delay_type": "days_after_end_of_month"},
    "days_then_eom": {"delay_type": "days_end_of_month_on_the", "days_next_month": "0"},
}
# Legal maximum payment terms, in days from the invoice date (DOMAIN.md §2,
# §1.5): between professionals 60 days, or 45 days end of month when agreed
# (C. com. L441-10 I); road transport, vehicle rental and freight forwarding
# 30 days (L441-11 II); public buyers 30 days, public hospitals 50 days
# (R2192-10, R2192-11).
B2B_MAX_DAYS = 60
B2B_MAX_FDM_DAYS = 45
TRANSPORT_MAX_DAYS = 30
B2G_MAX_DAYS = 30
HOSPITAL_MAX_DAYS = 50
# Every day of a leap year and the year before: the longest delay a line
# gives, whatever the invoice date.
SAMPLE_START = date(2027, 1, 1)
SAMPLE_DAYS = 731


def is_fdm_line(line, method):
    """Whether the payment term line counts its days the end-of-month way
    `method` (a key of FDM_DELAY_TYPES)."""
    return all(line[name] == value for name, value in FDM_DELAY_TYPES[method].items())


class AccountPaymentTerm(models.Model):
    """The legal ceiling of payment terms (one home for the invoice and the
    customer forms) and the two ways of computing "45 days end of month"."""

    _inherit = "account.payment.term"

    dunning_fdm_method = fields.Selection(
        FDM_METHODS,
        string="End of month method",
        compute="_compute_dunning_fdm_method",
        inverse="_inverse_dunning_fdm_method",
        help='How "45 days end of month" is counted: (A) end of the invoice month, '
        "then 45 days; (B) 45 days after the invoice date, then end of that month. "
        "The law allows both; setting it rewrites the lines' delay types.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("line_ids.delay_type", "line_ids.days_next_month")
    def _compute_dunning_fdm_method(self):
        for term in self:
            term.dunning_fdm_method = term.line_ids and next(
                (
                    method
                    for method in FDM_DELAY_TYPES
                    if all(is_fdm_line(line, method) for line in term.line_ids)
                ),
                False,
            )

    def _inverse_dunning_fdm_method(self):
        for term in self.filtered("dunning_fdm_method"):
            term.line_ids.write(FDM_DELAY_TYPES[term.dunning_fdm_method])

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_dunning_max_days(self):
        """The longest delay the term gives, in days from the invoice date,
        over every possible invoice date (Odoo's own due date computation)."""
        self.ensure_one()
        days = [SAMPLE_START + timedelta(days=n) for n in range(SAMPLE_DAYS)]
        return max(
            (
                (line._get_due_date(day) - day).days
                for line in self.line_ids
                for day in days
            ),
            default=0,
        )

    def _is_dunning_fdm_allowed(self):
        """Each line is at most "45 days end of month", counted either way."""
        self.ensure_one()
        return bool(self.line_ids) and all(
            line.nb_days <= B2B_MAX_FDM_DAYS
            and any(is_fdm_line(line, method) for method in FDM_DELAY_TYPES)
            for line in self.line_ids
        )

    def _get_dunning_legal_warning(self, customer, company):
        """Why this term is over the legal maximum for `customer` (commercial
        entity) of `company`, else False. A private person is not subject to
        these ceilings."""
        self.ensure_one()
        limit = self._get_dunning_legal_limit(customer, company)
        if not limit:
            return False
        max_days, allows_fdm, law = limit
        days = self._get_dunning_max_days()
        if days <= max_days or (allows_fdm and self._is_dunning_fdm_allowed()):
            return False
        return self.env._(
            "%(term)s allows up to %(days)s days: %(law)s",
            term=self.display_name,
            days=days,
            law=law,
        )

    @api.model
    def _get_dunning_move_warning(self, move):
        """The invoice's warning: its payment term's, else its due date's
        when set by hand; customer invoices only."""
        if move.move_type != "out_invoice":
            return False
        customer = move.commercial_partner_id
        company = move.company_id or self.env.company
        if move.invoice_payment_term_id:
            return move.invoice_payment_term_id._get_dunning_legal_warning(
                customer, company
            )
        return self._get_dunning_due_date_warning(
            customer,
            company,
            move.invoice_date or fields.Date.context_today(move),
            move.invoice_date_due,
        )

    @api.model
    def _get_dunning_partner_warning(self, partner, company):
        """The customer's warning on its payment term, checked for the entity
        being edited (a company), else for its commercial entity."""
        term = partner.property_payment_term_id
        if not term:
            return False
        customer = partner
        if partner.parent_id and not partner.is_company:
            customer = partner.commercial_partner_id
        return term._get_dunning_legal_warning(customer, company)

    @api.model
    def _get_dunning_warning_popup(self, message):
        """The onchange's answer of the invoice and customer forms: a warning
        that does not block."""
        if not message:
            return None
        return {
            "warning": {
                "title": self.env._("Payment term over the legal maximum"),
                "message": message,
            }
        }

    @api.model
    def _get_dunning_due_date_warning(self, customer, company, invoice_date, due):
        """Why a due date set by hand (no payment term) is over the legal
        maximum, else False; 45 days end of month, either way, is accepted."""
        limit = self._get_dunning_legal_limit(customer, company)
        if not limit or not invoice_date or not due:
            return False
        max_days, allows_fdm, law = limit
        latest = invoice_date + timedelta(days=max_days)
        if allows_fdm:
            fdm = timedelta(days=B2B_MAX_FDM_DAYS)
            latest = max(
                latest,
                date_utils.end_of(invoice_date, "month") + fdm,
                date_utils.end_of(invoice_date + fdm, "month"),
            )
        if due <= latest:
            return False
        return self.env._(
            "Due %(days)s days after the invoice date: %(law)s",
            days=(due - invoice_date).days,
            law=law,
        )

    @api.model
    def _get_dunning_legal_limit(self, customer, company):
        """(maximum days from the invoice date, whether "45 days end of month"
        is allowed beyond it, the rule in a sentence) for the invoices of
        `company` to `customer`; None when no ceiling applies (a private
        person)."""
        category = customer.dunning_debtor_category or "b2b"
        if category == "b2c":
            return None
        if company.dunning_sector == "transport":
            return (
                TRANSPORT_MAX_DAYS,
                False,
                self.env._(
                    "road transport, vehicle rental and freight forwarding are paid "
                    "within 30 days of the invoice date at most (article L441-11 II "
                    "of the French Commercial Code)."
                ),
            )
        if category == "b2g":
            if customer.dunning_public_hospital:
                return (
                    HOSPITAL_MAX_DAYS,
                    False,
                    self.env._(
                        "a public hospital pays within 50 days at most (article "
                        "R2192-11 of the French Public Procurement Code)."
                    ),
                )
            return (
                B2G_MAX_DAYS,
                False,
                self.env._(
                    "a public buyer pays within 30 days at most (article R2192-10 "
                    "of the French Public Procurement Code)."
                ),
            )
        return (
            B2B_MAX_DAYS,
            True,
            self.env._(
                "between professionals the legal maximum is 60 days from the "
                "invoice date, or 45 days end of month when expressly agreed "
                "(article L441-10 I of the French Commercial Code)."
            ),
        )
