import io
from datetime import datetime

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DunningCommon

HEADERS = [
    "Customer",
    "Credit controller",
    "Amount due",
    "Overdue",
    "Overdue invoices",
    "Oldest due date",
    "Days late",
    "Level reached",
    "First call",
    "First written reminder",
    "Second written reminder",
    "Formal notice",
    "Promised payment date",
    "Disputed",
]
AGED_HEADERS = [
    "Customer",
    "Not due",
    "1-30 days",
    "31-60 days",
    "61-90 days",
    "Over 90 days",
    "Total",
]


@tagged("post_install", "-at_install")
class TestFollowupXlsx(DunningCommon):
    """The follow-up table ("clients à relancer") and the aged balance, exported
    from the work queue and the customer list, read back with openpyxl."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls._create_user(
            "followup_clerk", "account_dunning.group_account_dunning_user"
        )
        cls.customer.write(
            {
                "dunning_note": "Purchase order number required on every invoice.",
                "user_id": cls.clerk.id,
            }
        )
        # Boulangerie Martin: 45 days late (reminded along the whole policy),
        # 5 days late and not due yet on 15 May.
        cls.late_45 = cls._create_invoice(cls.customer, "2026-03-31", 1000)
        cls.late_5 = cls._create_invoice(cls.customer, "2026-05-10", 500)
        cls.not_due = cls._create_invoice(cls.customer, "2026-06-15", 300)
        cls.garage = cls._create_customer("Garage Dupuis")

    def _remind_boulangerie(self):
        # One step per night; the courtesy email before the due date (26 March)
        # is not a written reminder of the table.
        for day in ("2026-03-26", "2026-03-31", "2026-04-08", "2026-04-20"):
            self._run_cron(day)
        self._run_cron("2026-04-25")
        self._run_cron("2026-04-30")
        notice = self._actions(is_formal_notice=True)
        self.assertEqual(notice.date, self._d("2026-04-30"))
        notice.action_validate()
        self._actions(state="to_send").action_mark_printed()
        # The garage's invoices arrive later: no reminder yet, one in dispute,
        # one with a promise.
        over_90 = self._create_invoice(self.garage, "2026-01-15", 2000)
        self._create_invoice(self.garage, "2026-03-01", 700).is_disputed = True
        over_90.dunning_promise_date = "2026-05-20"

    def _export(self, action_xmlid, model, records):
        action = self.env.ref(f"account_dunning.{action_xmlid}").with_user(self.clerk)
        with freeze_time(datetime(2026, 5, 15, 12)):
            result = action.with_context(
                active_model=model, active_ids=records.ids, active_id=records[:1].id
            ).run()
        self.assertEqual(result["type"], "ir.actions.act_url")
        self.assertTrue(result["url"].endswith("?download=true"))
        attachment_id = int(result["url"].split("/")[-1].split("?")[0])
        # the clerk downloads the file they made
        attachment = (
            self.env["ir.attachment"].with_user(self.clerk).browse(attachment_id)
        )
        self.assertTrue(attachment.name.endswith(".xlsx"))
        workbook = openpyxl.load_workbook(io.BytesIO(attachment.raw), data_only=True)
        return workbook

    @staticmethod
    def _rows(sheet):
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def _date(self, value):
        return datetime.combine(self._d(value), datetime.min.time())

    def test_export_from_customer_list(self):
        self._remind_boulangerie()
        workbook = self._export(
            "account_dunning_followup_export_action_partner",
            "res.partner",
            self.customer | self.garage,
        )
        self.assertEqual(workbook.sheetnames, ["Customers to remind", "Aged balance"])
        sheet = workbook["Customers to remind"]
        rows = self._rows(sheet)
        self.assertEqual(rows[0][: len(HEADERS)], HEADERS)
        self.assertEqual(rows[0][-1], "Notes")
        self.assertEqual(len(rows), 3, "one row per customer, by name")
        boulangerie = dict(zip(rows[0], rows[1], strict=True))
        garage = dict(zip(rows[0], rows[2], strict=True))
        self.assertEqual(boulangerie["Customer"], "Boulangerie Martin")
        self.assertEqual(boulangerie["Credit controller"], self.clerk.name)
        self.assertEqual(boulangerie["Amount due"], 1800)
        self.assertEqual(boulangerie["Overdue"], 1500)
        self.assertEqual(boulangerie["Overdue invoices"], 2)
        self.assertEqual(boulangerie["Oldest due date"], self._date("2026-03-31"))
        self.assertEqual(boulangerie["Days late"], 45)
        self.assertEqual(boulangerie["Level reached"], self.level_notice.name)
        self.assertEqual(boulangerie["First call"], self._date("2026-04-08"))
        self.assertEqual(
            boulangerie["First written reminder"], self._date("2026-03-31")
        )
        self.assertEqual(
            boulangerie["Second written reminder"], self._date("2026-04-20")
        )
        self.assertEqual(boulangerie["Formal notice"], self._date("2026-04-30"))
        self.assertIsNone(boulangerie["Promised payment date"])
        self.assertEqual(boulangerie["Disputed"], 0)
        self.assertEqual(boulangerie["Notes"], self.customer.dunning_note)

        self.assertEqual(garage["Customer"], "Garage Dupuis")
        self.assertEqual(garage["Amount due"], 2700)
        self.assertEqual(garage["Days late"], 120)
        for column in ("First call", "First written reminder", "Formal notice"):
            self.assertIsNone(garage[column], "the garage was never reminded")
        self.assertEqual(garage["Promised payment date"], self._date("2026-05-20"))
        self.assertEqual(garage["Disputed"], 700)

        # Formats: money in euros, dates, frozen header, filters.
        self.assertEqual(sheet.freeze_panes, "B2")
        self.assertEqual(
            sheet.auto_filter.ref, f"A1:{sheet.cell(1, len(rows[0])).column_letter}3"
        )
        self.assertIn("€", sheet["C2"].number_format)
        self.assertIn("0.00", sheet["C2"].number_format)
        self.assertEqual(sheet["F2"].number_format, "mm/dd/yyyy")
        self.assertGreater(sheet.column_dimensions["A"].width, 20)

        aged = workbook["Aged balance"]
        rows = self._rows(aged)
        self.assertEqual(rows[0], AGED_HEADERS)
        # 5 days late: 1-30; 45 days: 31-60; 75 days: 61-90; 120 days: over 90.
        self.assertEqual(rows[1], ["Boulangerie Martin", 300, 500, 1000, 0, 0, 1800])
        self.assertEqual(rows[2], ["Garage Dupuis", 0, 0, 0, 700, 2000, 2700])
        self.assertEqual(rows[3], ["Total", 300, 500, 1000, 700, 2000, 4500])
        self.assertEqual(aged["B4"].value, 300)
        self.assertEqual(aged.freeze_panes, "B2")
        self.assertEqual(aged.auto_filter.ref, "A1:G3")

    def test_export_from_work_queue(self):
        self._remind_boulangerie()
        queue = self.env["account.dunning.queue"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(queue), 1)
        workbook = self._export(
            "account_dunning_followup_export_action_queue",
            "account.dunning.queue",
            queue,
        )
        rows = self._rows(workbook["Customers to remind"])
        self.assertEqual([row[0] for row in rows[1:]], ["Boulangerie Martin"])
        self.assertEqual(rows[1][2], 1800)
        rows = self._rows(workbook["Aged balance"])
        self.assertEqual(rows[-1], ["Total", 300, 500, 1000, 0, 0, 1800])

    def test_reads_do_not_grow_with_customers(self):
        """A constant number of queries, whatever the number of customers."""
        self._remind_boulangerie()
        others = self.env["res.partner"]
        for index in range(5):
            partner = self._create_customer(f"Client {index}")
            self._create_invoice(partner, "2026-04-01", 100)
            others |= partner
        Export = self.env["account.dunning.followup.export"]

        def count(partners):
            wizard = Export.create({"partner_ids": partners.ids, "date": "2026-05-15"})
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            wizard._build_workbook(wizard._get_followup_data())
            return self.cr.sql_log_count - before

        count(self.customer | others)  # warm the caches
        self.assertEqual(count(self.customer), count(self.customer | others))

    def test_nothing_to_export(self):
        nobody = self._create_customer("Client sans facture")
        with self.assertRaisesRegex(UserError, "no open invoice"):
            self._export(
                "account_dunning_followup_export_action_partner",
                "res.partner",
                nobody,
            )
