import io

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountDunningDoubtfulExport(models.TransientModel):
    """The doubtful debts and their depreciation at a closing date, as an
    Excel workbook for the accountant (the list behind the closing entries).

    A transient record owns the file, so the vacuum deletes both, and only its
    creator can download it.
    """

    _name = "account.dunning.doubtful.export"
    _inherit = ["account.dunning.xlsx.mixin"]
    _description = "Doubtful debts export"

    date = fields.Date(
        string="Closing date", required=True, default=fields.Date.context_today
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        default=lambda self: self.env.companies,
    )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_export(self):
        self.ensure_one()
        rows = self.env["account.dunning.doubtful"]._get_closing_rows(
            self.company_ids or self.env.companies, self.date
        )
        if not rows:
            raise UserError(
                self.env._("No doubtful debt at this date: nothing to export.")
            )
        return self._download_xlsx(
            self.env._(
                "doubtful-debts-%(date)s.xlsx",
                date=fields.Date.to_string(self.date),
            ),
            self._build_workbook(rows),
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_columns(self):
        """(key, header, width, kind) of the sheet."""
        return [
            ("case", self.env._("Case"), 14, "text"),
            ("company", self.env._("Company"), 20, "text"),
            ("partner", self.env._("Customer"), 30, "text"),
            ("invoices", self.env._("Invoices"), 30, "text"),
            ("transfer_date", self.env._("Transferred on"), 13, "date"),
            ("amount_ttc", self.env._("Doubtful (tax incl.)"), 15, "money"),
            ("amount_ht", self.env._("Doubtful (tax excl.)"), 15, "money"),
            ("rate", self.env._("Depreciation rate"), 12, "percent"),
            ("depreciation", self.env._("Depreciation"), 15, "money"),
            ("net", self.env._("Net value"), 15, "money"),
            ("state", self.env._("Case status"), 14, "text"),
            ("to_post", self.env._("Entries to post"), 10, "text"),
        ]

    def _build_workbook(self, rows):
        stream = io.BytesIO()
        workbook = xlsxwriter.Workbook(stream, {"in_memory": True})
        export = self.env["account.dunning.followup.export"]
        header = workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9E1F2"}
        )
        styles = {
            "text": workbook.add_format({"valign": "top"}),
            "date": workbook.add_format({"valign": "top", "num_format": "dd/mm/yyyy"}),
            "percent": workbook.add_format({"valign": "top", "num_format": "0.00%"}),
        }
        for currency in {row["currency"] for row in rows}:
            styles[currency] = workbook.add_format(
                {"valign": "top", "num_format": export._get_money_format(currency)}
            )
        sheet = workbook.add_worksheet(self.env._("Doubtful debts")[:31])
        columns = self._get_columns()
        for col, (_key, title, width, _kind) in enumerate(columns):
            sheet.write_string(0, col, title, header)
            sheet.set_column(col, col, width)
        for index, row in enumerate(rows, start=1):
            for col, (key, _title, _width, kind) in enumerate(columns):
                value = row[key]
                if kind == "money":
                    sheet.write_number(index, col, value, styles[row["currency"]])
                elif kind == "percent":
                    sheet.write_number(index, col, value, styles["percent"])
                elif kind == "date":
                    sheet.write_datetime(index, col, value, styles["date"])
                elif key == "to_post":
                    yes = self.env._("Yes") if value else self.env._("No")
                    sheet.write_string(index, col, yes, styles["text"])
                else:
                    sheet.write_string(index, col, value or "", styles["text"])
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, len(rows), len(columns) - 1)
        workbook.close()
        return stream.getvalue()
