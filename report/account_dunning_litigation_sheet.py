import re

from odoo import api, fields, models

# Legal basis of the interest and of the indemnity, by debtor category
# (DOMAIN.md §1), as the requête en injonction de payer states them. French:
# the sheet is filed with a French court.
INTEREST_BASIS = {
    "b2b": "Article L441-10 II du Code de commerce (pénalités de retard)",
    "b2g": "Articles L2192-13 et R2192-31 du Code de la commande publique "
    "(intérêts moratoires)",
    "b2c": "Article 1231-6 du Code civil (intérêt au taux légal à compter de la "
    "mise en demeure)",
}
INDEMNITY_BASIS = {
    "b2b": "Articles L441-10 II et D441-5 du Code de commerce (indemnité forfaitaire "
    "pour frais de recouvrement)",
    "b2g": "Articles L2192-13 et D2192-35 du Code de la commande publique "
    "(indemnité forfaitaire pour frais de recouvrement)",
    "b2c": "",
}
ROUTE_LABELS = {
    "agency": "Société de recouvrement amiable",
    "bailiff": "Commissaire de justice",
    "small_claims": "Procédure simplifiée de recouvrement des petites créances "
    "(commissaire de justice)",
    "injunction": "Injonction de payer",
    "lawyer": "Avocat",
}


class ReportLitigationSheet(models.AbstractModel):
    """The data sheet of a litigation case: every item the requête en
    injonction de payer (Cerfa 12948) asks for, to print and sign."""

    _name = "report.account_dunning.report_litigation_sheet"
    _description = "Litigation data sheet"

    @api.model
    def _get_report_values(self, docids, data=None):
        cases = self.env["account.dunning.litigation"].browse(docids)
        today = fields.Date.context_today(self)
        sheets = {}
        for case in cases:
            penalties = case._get_penalties(today)
            category = case.partner_id.dunning_debtor_category or "b2b"
            invoices = []
            for move in case.move_ids.sorted(
                lambda m: (m.invoice_date or m.date, m.id)
            ):
                values = penalties.get(move.id, {})
                periods = values.get("periods", [])
                invoices.append(
                    {
                        "move": move,
                        "principal": move.amount_residual,
                        "interest": values.get("interest", 0.0),
                        "fixed_fee": values.get("fixed_fee", 0.0),
                        "periods": periods,
                        "rates": sorted({period[4] for period in periods}),
                    }
                )
            principal = sum(item["principal"] for item in invoices)
            interest = sum(item["interest"] for item in invoices)
            indemnity = sum(item["fixed_fee"] for item in invoices)
            notice = case._get_notices()[:1]
            documents = [f"Facture {move.name}" for move in case.move_ids]
            if notice:
                documents.append(f"Mise en demeure du {notice.date}")
                if notice.proof_attachment_id:
                    documents.append("Preuve de réception de la mise en demeure")
            documents += [
                "Historique des relances",
                "Calcul des pénalités de retard",
                "Relevé de compte",
                "Promesses de paiement et contestations",
            ]
            documents += [
                attachment.name for attachment in case._get_customer_documents()
            ]
            sheets[case.id] = {
                "creditor": case.company_id.partner_id,
                "creditor_siren": self._get_siren(case.company_id.partner_id),
                "debtor": case.partner_id,
                "debtor_siren": self._get_siren(case.partner_id),
                "category": category,
                "court": "Tribunal de commerce"
                if category == "b2b" and case.partner_id.is_company
                else "Tribunal judiciaire",
                "route": ROUTE_LABELS.get(case.route, case.route),
                "invoices": invoices,
                "principal": principal,
                "interest": interest,
                "indemnity": indemnity,
                "total": principal + interest + indemnity,
                "interest_basis": INTEREST_BASIS.get(category, ""),
                "indemnity_basis": INDEMNITY_BASIS.get(category, ""),
                "notice": notice,
                "documents": documents,
            }
        return {
            "doc_ids": docids,
            "doc_model": "account.dunning.litigation",
            "docs": cases,
            "sheets": sheets,
            "today": today,
        }

    @api.model
    def _get_siren(self, partner):
        """The SIREN: the first nine digits of the SIRET (l10n_fr), else of
        the company registry number."""
        number = (
            partner.siret if "siret" in partner._fields else ""
        ) or partner.company_registry
        digits = re.sub(r"\D", "", number or "")
        return digits[:9] if len(digits) >= 9 else (number or "")
