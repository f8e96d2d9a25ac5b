import io
from collections import defaultdict

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import get_lang

from ..lib.formats import AGED_BUCKETS, aged_bucket

# strftime directives of res.lang.date_format and their Excel equivalents.
EXCEL_DATE_CODES = {
    "%d": "dd",
    "%m": "mm",
    "%Y": "yyyy",
    "%y": "yy",
    "%b": "mmm",
    "%B": "mmmm",
    "%a": "ddd",
    "%A": "dddd",
    "%e": "d",
}


class AccountDunningFollowupExport(models.TransientModel):
    """The follow-up table ("clients à relancer") and the aged balance of the
    selected customers as an Excel workbook.

    A transient record owns the file, so the vacuum deletes both, and only its
    creator can download it.
    """

    _name = "account.dunning.followup.export"
    _inherit = ["account.dunning.selection.mixin", "account.dunning.xlsx.mixin"]
    _description = "Follow-up table export"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        default=lambda self: self.env.companies,
        help="Companies whose invoices are exported.",
    )
    partner_ids = fields.Many2many("res.partner", string="Customers")
    date = fields.Date(string="As of", required=True, default=fields.Date.context_today)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    @api.model
    def action_export_records(self, records):
        """From the customer list or the work queue: the selected customers, in
        the active companies (the queue rows' own companies)."""
        companies = (
            records.company_id
            if records._name == "account.dunning.queue"
            else self.env.companies
        )
        return self.create(
            {
                "partner_ids": [
                    Command.set(self._get_selection_customers(records).ids)
                ],
                "company_ids": [Command.set(companies.ids)],
            }
        ).action_export()

    def action_export(self):
        self.ensure_one()
        data = self._get_followup_data()
        if not data:
            raise UserError(
                self.env._(
                    "The selected customers have no open invoice: nothing to export."
                )
            )
        return self._download_xlsx(
            self.env._(
                "follow-up-%(date)s.xlsx", date=fields.Date.to_string(self.date)
            ),
            self._build_workbook(data),
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS: reading (a constant number of queries)
    # ------------------------------------------------------------

    def _get_open_moves_domain(self):
        return self.env["account.dunning.rule"]._get_open_invoice_domain(
            self.company_ids or self.env.companies
        ) + [("commercial_partner_id", "in", self.partner_ids.ids)]

    def _get_followup_data(self):
        """One dict per (company, customer) with open invoices, by customer name."""
        read_fields = [
            "company_id",
            "commercial_partner_id",
            "invoice_date_due",
            "amount_residual_signed",
            "is_disputed",
            "dunning_promise_date",
            "dunning_level_id",
            "dunning_schedule_id",
        ]
        moves = self.env["account.move"].search_fetch(
            self._get_open_moves_domain(), read_fields
        )
        if not moves:
            return []
        rows = {}
        for move in moves:
            key = (move.company_id, move.commercial_partner_id)
            row = rows.get(key)
            if row is None:
                row = rows[key] = self._prepare_row(*key)
            self._add_move(row, move)
        self._add_reminder_dates(rows, moves)
        return sorted(
            rows.values(),
            key=lambda r: ((r["partner"].name or "").lower(), r["company"].id),
        )

    def _prepare_row(self, company, partner):
        return {
            "company": company,
            "partner": partner,
            "currency": company.currency_id,
            "amount_due": 0.0,
            "overdue": 0.0,
            "overdue_count": 0,
            "oldest_due_date": False,
            "days_late": 0,
            "level": self.env["account.dunning.level"],
            "first_call": False,
            "first_written": False,
            "second_written": False,
            "formal_notice": False,
            "promise_date": False,
            "disputed": 0.0,
            "scheduled": 0.0,
            "aged": dict.fromkeys((bucket[0] for bucket in AGED_BUCKETS), 0.0),
        }

    def _add_move(self, row, move):
        amount = move.amount_residual_signed
        due = move.invoice_date_due or self.date
        days = (self.date - due).days
        row["amount_due"] += amount
        if days > 0:
            row["overdue"] += amount
            row["overdue_count"] += 1
            row["days_late"] = max(row["days_late"], days)
        if not row["oldest_due_date"] or due < row["oldest_due_date"]:
            row["oldest_due_date"] = due
        level = move.dunning_level_id
        if level and (not row["level"] or level.delay > row["level"].delay):
            row["level"] = level
        promise = move.dunning_promise_date
        if promise and (not row["promise_date"] or promise < row["promise_date"]):
            row["promise_date"] = promise
        if move.is_disputed:
            row["disputed"] += amount
        if move.dunning_schedule_id:
            row["scheduled"] += amount
        row["aged"][AGED_BUCKETS[aged_bucket(days)][0]] += amount

    def _add_reminder_dates(self, rows, moves):
        """Dates of the reminders sent about the open invoices, from the history:
        first call, first and second written reminders (email or letter, two
        different levels; courtesy notices before the due date do not count),
        formal notice."""
        groups = self.env["account.dunning.action.line"]._read_group(
            [("move_id", "in", moves.ids), ("state", "=", "done")],
            ["company_id", "partner_id", "channel", "level_id"],
            ["date:min"],
        )
        written = defaultdict(dict)
        for company, partner, channel, level, day in groups:
            row = rows.get((company, partner))
            if not row or not day:
                continue
            if level.is_formal_notice:
                key = "formal_notice"
            elif channel == "call":
                key = "first_call"
            elif level.delay >= 0:
                # email and letter of one level count as one written reminder
                by_level = written[company, partner]
                by_level[level] = min(day, by_level.get(level, day))
                continue
            else:
                continue
            row[key] = min(day, row[key]) if row[key] else day
        for key, by_level in written.items():
            dates = sorted(by_level.values())
            rows[key]["first_written"] = dates[0]
            rows[key]["second_written"] = dates[1] if len(dates) > 1 else False

    # ------------------------------------------------------------
    # BUSINESS METHODS: writing the workbook
    # ------------------------------------------------------------

    def _get_followup_columns(self, with_company):
        """(key, header, width, kind) of the follow-up sheet."""
        columns = [("partner", self.env._("Customer"), 32, "text")]
        if with_company:
            columns.append(("company", self.env._("Company"), 20, "text"))
        columns += [
            ("responsible", self.env._("Credit controller"), 20, "text"),
            ("amount_due", self.env._("Amount due"), 15, "money"),
            ("overdue", self.env._("Overdue"), 15, "money"),
            ("overdue_count", self.env._("Overdue invoices"), 10, "int"),
            ("oldest_due_date", self.env._("Oldest due date"), 13, "date"),
            ("days_late", self.env._("Days late"), 10, "int"),
            ("level", self.env._("Level reached"), 24, "text"),
            ("first_call", self.env._("First call"), 13, "date"),
            ("first_written", self.env._("First written reminder"), 13, "date"),
            ("second_written", self.env._("Second written reminder"), 13, "date"),
            ("formal_notice", self.env._("Formal notice"), 13, "date"),
            ("promise_date", self.env._("Promised payment date"), 13, "date"),
            ("disputed", self.env._("Disputed"), 15, "money"),
            ("scheduled", self.env._("Under payment schedule"), 15, "money"),
            ("note", self.env._("Notes"), 50, "wrap"),
        ]
        return columns

    def _get_aged_columns(self, with_company):
        columns = [("partner", self.env._("Customer"), 32, "text")]
        if with_company:
            columns.append(("company", self.env._("Company"), 20, "text"))
        labels = {
            "not_due": self.env._("Not due"),
            "1_30": self.env._("1-30 days"),
            "31_60": self.env._("31-60 days"),
            "61_90": self.env._("61-90 days"),
            "over_90": self.env._("Over 90 days"),
        }
        columns += [
            (name, labels[name], 15, "money") for name, _first, _last in AGED_BUCKETS
        ]
        columns.append(("total", self.env._("Total"), 15, "money"))
        return columns

    def _build_workbook(self, data):
        """The workbook as bytes (built in memory)."""
        stream = io.BytesIO()
        workbook = xlsxwriter.Workbook(stream, {"in_memory": True})
        styles = self._get_styles(workbook, data)
        with_company = len({row["company"] for row in data}) > 1
        responsible_by_partner = self._get_responsibles(data)
        # Sheet 1: the follow-up table
        sheet = workbook.add_worksheet(self.env._("Customers to remind")[:31])
        columns = self._get_followup_columns(with_company)
        self._write_header(sheet, columns, styles)
        for index, row in enumerate(data, start=1):
            values = dict(
                row,
                partner=row["partner"].display_name,
                company=row["company"].name,
                responsible=responsible_by_partner.get(row["partner"], ""),
                level=row["level"].name or "",
                note=row["partner"].dunning_note or "",
            )
            self._write_row(sheet, index, columns, values, row["currency"], styles)
        self._finish_sheet(sheet, columns, len(data))
        # Sheet 2: the aged balance, with a totals row that follows the filters
        sheet = workbook.add_worksheet(self.env._("Aged balance")[:31])
        columns = self._get_aged_columns(with_company)
        self._write_header(sheet, columns, styles)
        for index, row in enumerate(data, start=1):
            values = dict(
                row["aged"],
                partner=row["partner"].display_name,
                company=row["company"].name,
                total=row["amount_due"],
            )
            self._write_row(sheet, index, columns, values, row["currency"], styles)
        self._write_totals(sheet, columns, data, styles)
        self._finish_sheet(sheet, columns, len(data))
        workbook.close()
        return stream.getvalue()

    def _get_styles(self, workbook, data):
        lang = get_lang(self.env)
        date_format = lang.date_format
        for code, excel in EXCEL_DATE_CODES.items():
            date_format = date_format.replace(code, excel)
        styles = {
            "header": workbook.add_format(
                {
                    "bold": True,
                    "text_wrap": True,
                    "valign": "top",
                    "bg_color": "#D9E1F2",
                    "border": 1,
                }
            ),
            "text": workbook.add_format({"valign": "top"}),
            "wrap": workbook.add_format({"valign": "top", "text_wrap": True}),
            "int": workbook.add_format({"valign": "top", "num_format": "0"}),
            "date": workbook.add_format({"valign": "top", "num_format": date_format}),
            "total": workbook.add_format({"bold": True, "top": 1}),
        }
        for currency in {row["currency"] for row in data}:
            num_format = self._get_money_format(currency)
            styles[currency] = workbook.add_format(
                {"valign": "top", "num_format": num_format}
            )
            styles[currency, "total"] = workbook.add_format(
                {"bold": True, "top": 1, "num_format": num_format}
            )
        return styles

    @api.model
    def _get_money_format(self, currency):
        digits = "0" * currency.decimal_places
        number = "#,##0" + (f".{digits}" if digits else "")
        symbol = (currency.symbol or currency.name).replace('"', "")
        if currency.position == "before":
            return f'"{symbol}" {number};-"{symbol}" {number}'
        return f'{number} "{symbol}";-{number} "{symbol}"'

    def _get_responsibles(self, data):
        """{customer: credit controller name} in the export's company."""
        partners = self.env["res.partner"].union(*(row["partner"] for row in data))
        return {
            partner: (partner.dunning_responsible_id or partner.user_id).name or ""
            for partner in partners
        }

    def _write_header(self, sheet, columns, styles):
        for col, (_key, header, width, kind) in enumerate(columns):
            sheet.write_string(0, col, header, styles["header"])
            sheet.set_column(
                col, col, width, styles["wrap"] if kind == "wrap" else None
            )
        sheet.set_row(0, 30)

    def _write_row(self, sheet, index, columns, values, currency, styles):
        for col, (key, _header, _width, kind) in enumerate(columns):
            value = values.get(key)
            if kind == "money":
                sheet.write_number(index, col, value or 0.0, styles[currency])
            elif kind == "int":
                sheet.write_number(index, col, value or 0, styles["int"])
            elif kind == "date":
                if value:
                    sheet.write_datetime(index, col, value, styles["date"])
                else:
                    sheet.write_blank(index, col, None, styles["date"])
            else:
                sheet.write_string(index, col, value or "", styles[kind])

    def _write_totals(self, sheet, columns, data, styles):
        currencies = {row["currency"] for row in data}
        if len(currencies) > 1:
            return  # no sum of amounts in different currencies
        currency = currencies.pop()
        last = len(data) + 1
        sheet.write_string(last, 0, self.env._("Total"), styles["total"])
        for col, (key, _header, _width, kind) in enumerate(columns):
            if kind != "money":
                continue
            letter = xl_col_to_name(col)
            value = sum(
                row["amount_due"] if key == "total" else row["aged"][key]
                for row in data
            )
            sheet.write_formula(
                last,
                col,
                f"=SUBTOTAL(9,{letter}2:{letter}{last})",
                styles[currency, "total"],
                currency.round(value),
            )

    def _finish_sheet(self, sheet, columns, count):
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
