"""The litigation file of a case (DOMAIN.md §4.6): one ZIP with every
document an agent or a court asks for."""

import calendar
import csv
import io
import re
import zipfile

from odoo import api, models
from odoo.tools import html2plaintext

# Members of the litigation file (`action_download_file`), in French: the file
# goes to a French agent or court. Folders are numbered in the order the
# requête en injonction de payer lists its documents.
FILE_SHEET = "00_Fiche_injonction_de_payer.pdf"
FILE_INVOICES = "01_Factures/"
FILE_HISTORY = "02_Historique_des_relances.csv"
FILE_NOTICE = "03_Mise_en_demeure/"
FILE_PENALTIES = "04_Calcul_des_penalites.csv"
FILE_STATEMENT = "05_Releve_de_compte"
FILE_PROMISES = "06_Promesses_et_litiges.csv"
FILE_DOCUMENTS = "07_Documents_client/"


class AccountDunningLitigationFile(models.AbstractModel):
    """Builds the litigation file of a case (`account.dunning.litigation.
    action_download_file`): the data sheet of the requête en injonction de
    payer, the invoices' PDFs, the reminders, the formal notice and its proof
    of receipt, the penalties, the statement, the promises and disputes and
    the documents attached to the customer."""

    _name = "account.dunning.litigation.file"
    _description = "Litigation file"

    @api.model
    def _build(self, case):
        """The ZIP of the litigation file (DOMAIN.md §4.6), as bytes."""
        case.ensure_one()
        stream = io.BytesIO()
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self._get_members(case):
                archive.writestr(name, content)
        return stream.getvalue()

    @api.model
    def _get_file_lang(self):
        """French for a French court when French is installed, else the
        user's language (the sheet's own text is French either way)."""
        if self.env["res.lang"]._get_code("fr_FR"):
            return "fr_FR"
        return self.env.lang

    @api.model
    def _get_members(self, case):
        """[(member name, bytes)] of the litigation file."""
        case.ensure_one()
        members = []
        partner = case.partner_id
        company = case.company_id
        sheet, _report_type = (
            self.env["ir.actions.report"]
            .with_company(company)
            .with_context(lang=self._get_file_lang())
            ._render_qweb_pdf(
                "account_dunning.action_report_litigation_sheet", case.ids
            )
        )
        members.append((FILE_SHEET, sheet))
        pdfs = self.env["account.dunning.invoice.pdf"]._get_invoice_pdfs(case.move_ids)
        for move in case.move_ids.sorted(lambda m: (m.invoice_date or m.date, m.id)):
            attachment = pdfs.get(move.id)
            if attachment:
                members.append(
                    (FILE_INVOICES + _file_name(move.name, ".pdf"), attachment.raw)
                )
        members.append((FILE_HISTORY, self._get_history_csv(case)))
        for action in case._get_notices():
            for label, attachment in (
                ("Lettre", action.letter_attachment_id),
                ("Preuve_de_reception", action.proof_attachment_id),
            ):
                if attachment:
                    members.append(
                        (
                            FILE_NOTICE
                            + f"{label}_{action.date}_"
                            + _file_name(attachment.name),
                            attachment.raw,
                        )
                    )
        members.append((FILE_PENALTIES, self._get_penalties_csv(case)))
        name, content, mimetype = self.env["account.dunning.portal"]._get_statement_pdf(
            partner, company
        )
        extension = ".pdf" if mimetype == "application/pdf" else ".html"
        members.append((FILE_STATEMENT + extension, content))
        members.append((FILE_PROMISES, self._get_promises_csv(case)))
        for attachment in case._get_customer_documents():
            members.append(
                (FILE_DOCUMENTS + _file_name(attachment.name), attachment.raw)
            )
        return members

    @api.model
    def _get_history_csv(self, case):
        channels = dict(
            self.env["account.dunning.action"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        states = dict(
            self.env["account.dunning.action"]
            ._fields["state"]
            ._description_selection(self.env)
        )
        rows = [
            (
                "Date",
                "Niveau",
                "Canal",
                "Résultat",
                "Factures",
                "Montant réclamé",
                "Note",
            )
        ]
        for action in case._get_reminders():
            rows.append(
                (
                    action.date,
                    action.level_id.name,
                    channels.get(action.channel, action.channel),
                    states.get(action.state, action.state),
                    ", ".join(action.line_ids.move_id.mapped("name")),
                    _amount(action.amount_due),
                    action.note or "",
                )
            )
        return _csv(rows)

    @api.model
    def _get_penalties_csv(self, case):
        """Each invoice's interest by period (basis, rate, days) and its fixed
        indemnity, as the computation of the addon gives them today."""
        penalties = case._get_penalties()
        rows = [
            (
                "Facture",
                "Échéance",
                "Du",
                "Au",
                "Jours",
                "Base",
                "Taux annuel %",
                "Intérêts",
                "Indemnité forfaitaire",
            )
        ]
        for move in case.move_ids:
            values = penalties.get(move.id, {})
            policy = move.commercial_partner_id._get_dunning_policy(move.company_id)
            for first, last, days, base, rate in values.get("periods", []):
                # the year basis of the computation (`account.dunning.late.payment`)
                basis = (
                    366 if policy.leap_year_366 and calendar.isleap(first.year) else 365
                )
                rows.append(
                    (
                        move.name,
                        move.invoice_date_due,
                        first,
                        last,
                        days,
                        _amount(base),
                        _amount(rate),
                        _amount(base * rate / 100.0 * days / basis),
                        "",
                    )
                )
            rows.append(
                (
                    move.name,
                    move.invoice_date_due,
                    "",
                    "",
                    "",
                    "Total",
                    "",
                    _amount(values.get("interest", 0.0)),
                    _amount(values.get("fixed_fee", 0.0)),
                )
            )
        return _csv(rows)

    @api.model
    def _get_promises_csv(self, case):
        rows = [("Type", "Date", "État", "Factures", "Montant", "Détail")]
        of_customer = [
            ("company_id", "=", case.company_id.id),
            ("partner_id", "=", case.partner_id.id),
        ]
        Promise = self.env["account.dunning.promise"]
        Dispute = self.env["account.dunning.dispute"]
        promise_states = dict(Promise._fields["state"]._description_selection(self.env))
        dispute_states = dict(Dispute._fields["state"]._description_selection(self.env))
        for promise in Promise.search(of_customer, order="date, id"):
            rows.append(
                (
                    "Promesse de paiement",
                    promise.date,
                    promise_states.get(promise.state, promise.state),
                    ", ".join(promise.move_ids.mapped("name")),
                    _amount(promise.amount),
                    promise.note or "",
                )
            )
        for dispute in Dispute.search(of_customer, order="date, id"):
            rows.append(
                (
                    "Contestation",
                    dispute.date,
                    dispute_states.get(dispute.state, dispute.state),
                    ", ".join(dispute.move_ids.mapped("name")),
                    "",
                    " - ".join(
                        filter(
                            None,
                            [
                                dispute.reason_id.name,
                                html2plaintext(dispute.note or ""),
                            ],
                        )
                    ),
                )
            )
        return _csv(rows)


def _file_name(name, extension=""):
    """A ZIP member name without path separators."""
    clean = re.sub(r"[\\/:*?\"<>|]+", "_", name or "document").strip() or "document"
    return clean if clean.endswith(extension) else clean + extension


def _amount(value):
    """An amount as French spreadsheets read it."""
    return f"{value:.2f}".replace(".", ",")


def _csv(rows):
    """Rows as a CSV French spreadsheets open: semicolons, UTF-8 with BOM."""
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=";")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return ("\ufeff" + stream.getvalue()).encode()
