import io

import xlsxwriter

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import get_lang

from .account_dunning_followup_export import EXCEL_DATE_CODES


class AccountDunningLitigationExport(models.TransientModel):
    """The litigation cases as an Excel workbook for a collection agency: one
    row per invoice with what CPCE R124-4 has the agency's first letter say
    (DOMAIN.md §3.5): the agency, the creditor, the debtor, the basis of the
    debt and its amount split into principal, interest and other accessories.

    A transient record owns the file, as for the follow-up table: the vacuum
    deletes both, and only its creator can download it."""

    _name = "account.dunning.litigation.export"
    _inherit = ["account.dunning.xlsx.mixin"]
    _description = "Litigation cases export"

    case_ids = fields.Many2many(
        "account.dunning.litigation",
        "account_dunning_litigation_export_case_rel",
        "export_id",
        "case_id",
        string="Cases",
    )
    date = fields.Date(string="As of", required=True, default=fields.Date.context_today)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    @api.model
    def action_export_cases(self, cases):
        return self.create({"case_ids": [Command.set(cases.ids)]}).action_export()

    def action_export(self):
        self.ensure_one()
        rows = self._get_rows()
        if not rows:
            raise UserError(self.env._("Select the cases to export."))
        return self._download_xlsx(
            self.env._(
                "litigation-%(date)s.xlsx", date=fields.Date.to_string(self.date)
            ),
            self._build_workbook(rows),
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_columns(self):
        """(key, header, width, kind) of the sheet's columns."""
        return [
            ("case", self.env._("Case"), 14, "text"),
            ("route", self.env._("Route"), 18, "text"),
            ("handed_over", self.env._("Handed over on"), 12, "date"),
            ("agent", self.env._("Agency"), 24, "text"),
            ("agent_address", self.env._("Agency address"), 32, "wrap"),
            ("creditor", self.env._("Creditor"), 24, "text"),
            ("creditor_address", self.env._("Creditor address"), 32, "wrap"),
            ("debtor", self.env._("Debtor"), 24, "text"),
            ("debtor_address", self.env._("Debtor address"), 32, "wrap"),
            ("siren", self.env._("Debtor SIREN"), 12, "text"),
            ("email", self.env._("Debtor email"), 22, "text"),
            ("phone", self.env._("Debtor phone"), 16, "text"),
            ("basis", self.env._("Basis of the debt"), 30, "wrap"),
            ("invoice_date", self.env._("Invoice date"), 12, "date"),
            ("due_date", self.env._("Due date"), 12, "date"),
            ("principal", self.env._("Principal"), 14, "money"),
            ("interest", self.env._("Interest"), 12, "money"),
            ("accessories", self.env._("Other accessories (indemnity)"), 14, "money"),
            ("total", self.env._("Total claimed"), 14, "money"),
            ("notice", self.env._("Formal notice of"), 12, "date"),
            ("fees", self.env._("Agreed fees"), 12, "money"),
        ]

    def _get_rows(self):
        """One row per invoice of the cases, in a constant number of queries
        (penalties computed once for every invoice)."""
        cases = self.case_ids.sorted(lambda c: (c.date, c.id))
        moves = cases.move_ids
        penalties = moves._get_dunning_penalties(self.date) if moves else {}
        Sheet = self.env["report.account_dunning.report_litigation_sheet"]
        routes = dict(cases._fields["route"]._description_selection(self.env))
        rows = []
        for case in cases:
            agent = case.agent_id
            creditor = case.company_id.partner_id
            debtor = case.partner_id
            notice = case.notice_action_id
            for index, move in enumerate(
                case.move_ids.sorted(lambda m: (m.invoice_date or m.date, m.id))
            ):
                values = penalties.get(move.id, {})
                principal = move.amount_residual
                interest = values.get("interest", 0.0)
                accessories = values.get("fixed_fee", 0.0)
                rows.append(
                    {
                        "currency": move.currency_id,
                        "case": case.name,
                        "route": routes.get(case.route, case.route),
                        "handed_over": case.date,
                        "agent": agent.name or "",
                        "agent_address": agent._display_address(without_company=True)
                        if agent
                        else "",
                        "creditor": creditor.name,
                        "creditor_address": creditor._display_address(
                            without_company=True
                        ),
                        "debtor": debtor.name,
                        "debtor_address": debtor._display_address(without_company=True),
                        "siren": Sheet._get_siren(debtor),
                        "email": debtor.email or "",
                        "phone": debtor.phone or debtor.mobile or "",
                        "basis": self.env._(
                            "Invoice %(name)s of %(date)s, unpaid",
                            name=move.name,
                            date=move.invoice_date,
                        ),
                        "invoice_date": move.invoice_date,
                        "due_date": move.invoice_date_due,
                        "principal": principal,
                        "interest": interest,
                        "accessories": accessories,
                        "total": principal + interest + accessories,
                        "notice": notice.date or None,
                        # the fees are the case's: on its first row only
                        "fees": case.fees if index == 0 else 0.0,
                    }
                )
        return rows

    def _build_workbook(self, rows):
        stream = io.BytesIO()
        workbook = xlsxwriter.Workbook(stream, {"in_memory": True})
        date_format = get_lang(self.env).date_format
        for code, excel in EXCEL_DATE_CODES.items():
            date_format = date_format.replace(code, excel)
        header = workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9E1F2"}
        )
        styles = {
            "text": workbook.add_format({"valign": "top"}),
            "wrap": workbook.add_format({"valign": "top", "text_wrap": True}),
            "date": workbook.add_format({"valign": "top", "num_format": date_format}),
        }
        Followup = self.env["account.dunning.followup.export"]
        for currency in {row["currency"] for row in rows}:
            styles[currency] = workbook.add_format(
                {"valign": "top", "num_format": Followup._get_money_format(currency)}
            )
        sheet = workbook.add_worksheet(self.env._("Cases")[:31])
        columns = self._get_columns()
        for col, (_key, title, width, _kind) in enumerate(columns):
            sheet.write_string(0, col, title, header)
            sheet.set_column(col, col, width)
        sheet.set_row(0, 30)
        for index, row in enumerate(rows, start=1):
            for col, (key, _title, _width, kind) in enumerate(columns):
                value = row.get(key)
                if kind == "money":
                    sheet.write_number(
                        index, col, value or 0.0, styles[row["currency"]]
                    )
                elif kind == "date":
                    if value:
                        sheet.write_datetime(index, col, value, styles["date"])
                    else:
                        sheet.write_blank(index, col, None, styles["date"])
                else:
                    sheet.write_string(index, col, str(value or ""), styles[kind])
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, len(rows), len(columns) - 1)
        workbook.close()
        return stream.getvalue()
