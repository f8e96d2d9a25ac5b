from datetime import timedelta

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDashboardReports(DunningCommon):
    """The dashboard's figures on a small ledger whose amounts are known.

    The reports stand as of the company's day in the database (`NOW()`), so
    the ledger is dated from that day: E1 is the last day of the previous
    month, E2 the one before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute(
            SQL(
                "SELECT %s FROM res_company c WHERE c.id = %s",
                cls.env["account.dunning.rule"]._get_company_today_sql("c"),
                cls.company.id,
            )
        )
        cls.today = today = cls.env.cr.fetchone()[0]
        cls.e1 = e1 = today.replace(day=1) - timedelta(days=1)
        cls.e2 = e1.replace(day=1) - timedelta(days=1)
        cls.controller = cls._create_user(
            "controleur", "account_dunning.group_account_dunning_user"
        )
        cls.customer.with_company(cls.company).dunning_responsible_id = cls.controller

        def invoice(partner, amount, invoiced, due):
            return cls._create_invoice(
                partner,
                e1 + timedelta(days=due),
                amount=amount,
                invoice_date=e1 + timedelta(days=invoiced),
            )

        # Boulangerie Martin, as it stood at E1 (days relative to E1)
        customer = cls.customer
        cls.not_due = invoice(customer, 100.0, -5, (today - e1).days + 10)
        cls.late_15 = invoice(customer, 200.0, -45, -15)
        cls.late_45 = invoice(customer, 400.0, -75, -45)
        cls.late_75 = invoice(customer, 800.0, -105, -75)
        cls.late_120 = invoice(customer, 1600.0, -150, -120)
        cls.paid_before = invoice(customer, 3200.0, -50, -20)
        cls.paid_after = invoice(customer, 500.0, -40, -10)
        cls._set_level(
            cls.late_45 + cls.late_75, cls.level_first, day=e1 - timedelta(days=30)
        )
        cls._set_level(cls.late_120, cls.level_call, day=e1 - timedelta(days=60))

        # Garage Dupont, reminded at the first level eight months ago
        cls.garage = cls._create_customer("Garage Dupont")
        cls.reminded = e1 - timedelta(days=200)
        cls.p1 = invoice(cls.garage, 1000.0, -240, -210)
        cls.p2 = invoice(cls.garage, 2000.0, -240, -210)
        cls.p3 = invoice(cls.garage, 1000.0, -240, -210)
        cls._set_level(cls.p1 + cls.p2 + cls.p3, cls.level_first, day=cls.reminded)

        # another company's invoice, overdue at E1 too
        cls.other_company = cls.setup_other_company(name="Autre société")["company"]
        cls.env["account.move"].with_company(cls.other_company).create(
            {
                "move_type": "out_invoice",
                "partner_id": cls._create_customer("Client de B").id,
                "invoice_date": e1 - timedelta(days=45),
                "invoice_date_due": e1 - timedelta(days=15),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "B",
                            "price_unit": 5000.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        ).action_post()

    def setUp(self):
        super().setUp()
        self._pay(self.paid_before, day=self.e1 - timedelta(days=3))
        # 100 paid before E1, 300 after: 400 due at E1, 100 today
        self._pay(self.paid_after, amount=100.0, day=self.e1 - timedelta(days=2))
        self._pay(self.paid_after, amount=300.0, day=self.e1 + timedelta(days=1))
        # p1 paid 5 days after its reminder, p2 half-way at 10 days then in
        # full at 20 days, p3 never
        self._pay(self.p1, day=self.reminded + timedelta(days=5))
        self._pay(self.p2, amount=500.0, day=self.reminded + timedelta(days=10))
        self._pay(self.p2, day=self.reminded + timedelta(days=20))
        self.env.flush_all()

    def _group(self, model, domain, groupby, aggregates, user=None):
        Report = self.env[model].with_user(user or self.controller)
        return Report._read_group(domain, groupby, aggregates)

    def test_amount_due_by_age_at_last_month_end(self):
        groups = self._group(
            "account.dunning.report.aging",
            [("date", "=", self.e1)],
            ["age_bucket"],
            ["amount_residual:sum"],
        )
        self.assertEqual(
            dict(groups),
            {
                "0_not_due": 100.0,
                # 200 due 15 days + 400 due 10 days (500, of which 100
                # paid before E1 and 300 after)
                "1_1_30": 600.0,
                "2_31_60": 400.0,
                "3_61_90": 800.0,
                # 1,600 due 120 days, and Garage's p3 unpaid for 210 days
                "4_over_90": 2600.0,
            },
            "paid before E1 (3,200) left out, the other company never counted",
        )
        over_90 = (
            self.env["account.dunning.report.aging"]
            .with_user(self.controller)
            .search([("date", "=", self.e1), ("age_bucket", "=", "4_over_90")])
        )
        action = over_90.action_open_invoices()
        self.assertEqual(
            self.env["account.move"].search(action["domain"]), self.late_120 + self.p3
        )
        # today, the partial payment after E1 is counted
        today = dict(
            self._group(
                "account.dunning.report.aging",
                [("date", "=", self.today), ("move_id", "=", self.paid_after.id)],
                ["move_id"],
                ["amount_residual:sum"],
            )
        )
        self.assertEqual(today[self.paid_after], 100.0)

    def test_company_rule(self):
        Aging = self.env["account.dunning.report.aging"]
        other = Aging.sudo().search(
            [("date", "=", self.e1), ("company_id", "=", self.other_company.id)]
        )
        self.assertEqual(sum(other.mapped("amount_residual")), 5000.0)
        self.assertFalse(
            Aging.with_user(self.controller).search(
                [("company_id", "=", self.other_company.id)]
            )
        )
        self.assertEqual(
            self._group("account.dunning.report.dso", [], ["company_id"], ["__count"]),
            [(self.company, 12)],
        )

    def test_dso_and_cei_of_last_month(self):
        row = (
            self.env["account.dunning.report.dso"]
            .with_user(self.controller)
            .search([("date", "=", self.e1)])
        )
        # Due at E1: 100 + 200 + 400 + 800 + 1,600 + 400 + Garage's p3 1,000
        # = 4,500, of which 100 not due.
        # Sales of the 91 days to E1 (invoice dates E1-5, -40, -45, -50, -75):
        # 100 + 500 + 200 + 3,200 + 400 = 4,400; E1-105 and older fall outside.
        # DSO = 4,500 / 4,400 × 91 = 93.068... -> 93.1 days.
        # Due at E2 (opening): 200 + 400 + 800 + 1,600 + 500 + 1,000, plus
        # 3,200 paid on E1-3 = 7,700 (the invoice of E1-5 came after).
        # Sales of the month: 100 (E1-5).
        # CEI = (7,700 + 100 - 4,500) / (7,700 + 100 - 100) × 100
        #     = 3,300 / 7,700 × 100 = 42.857... -> 42.9 %.
        self.assertRecordValues(
            row,
            [
                {
                    "amount_residual": 4500.0,
                    "amount_not_due": 100.0,
                    "sales_quarter": 4400.0,
                    "dso": 93.1,
                    "amount_opening": 7700.0,
                    "sales": 100.0,
                    "cei": 42.9,
                }
            ],
        )
        action = row.action_open_invoices()
        self.assertEqual(
            self.env["account.move"].search(action["domain"]),
            self.not_due
            + self.late_15
            + self.late_45
            + self.late_75
            + self.late_120
            + self.paid_after
            + self.p3,
        )

    def test_overdue_by_level_reached(self):
        groups = self._group(
            "account.dunning.report.level",
            [("partner_id", "in", (self.customer + self.garage).ids)],
            ["level_id"],
            ["overdue_amount:sum"],
        )
        self.assertEqual(
            dict(groups),
            {
                # never reminded: 200 + what remains of 500 (the invoice of
                # 100 is not due)
                self.env["account.dunning.level"]: 300.0,
                self.level_first: 400.0 + 800.0 + 1000.0,
                self.level_call: 1600.0,
            },
        )

    def test_what_the_first_level_gets_paid(self):
        groups = self._group(
            "account.dunning.report.payment",
            [("partner_id", "=", self.garage.id)],
            ["level_id"],
            [
                "__count",
                "amount_reminded:sum",
                "amount_paid_7:sum",
                "paid_7_rate:avg",
                "amount_paid_15:sum",
                "paid_15_rate:avg",
                "amount_paid_30:sum",
                "paid_30_rate:avg",
            ],
        )
        self.assertEqual(len(groups), 1)
        level, count, reminded, paid_7, rate_7, paid_15, rate_15, paid_30, rate_30 = (
            groups[0]
        )
        self.assertEqual((level, count, reminded), (self.level_first, 3, 4000.0))
        # within 7 days: p1 in full; 15 days: + 500 of p2 (not in full);
        # 30 days: + the rest of p2; p3 never
        self.assertEqual((paid_7, paid_15, paid_30), (1000.0, 1500.0, 3000.0))
        self.assertAlmostEqual(rate_7, 100 / 3)
        self.assertAlmostEqual(rate_15, 100 / 3)
        self.assertAlmostEqual(rate_30, 200 / 3)

    def test_reminders_per_channel_per_week(self):
        groups = self._group(
            "account.dunning.report.channel",
            [("partner_id", "=", self.garage.id)],
            ["date:week", "channel"],
            ["__count"],
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0][1:], (self.level_first._get_channels()[0], 1))

    def test_promises_disputes_and_controller(self):
        Promise = self.env["account.dunning.promise"]
        values = {"partner_id": self.customer.id, "user_id": self.controller.id}
        kept, broken, _open = Promise.create(
            [
                {**values, "move_ids": moves.ids, "amount": amount, "date": date}
                for moves, amount, date in (
                    (self.late_45, 400.0, self.today + timedelta(days=3)),
                    (self.late_75, 800.0, self.today + timedelta(days=3)),
                    (self.late_15, 200.0, self.today + timedelta(days=5)),
                )
            ]
        )
        # as the nightly run closes them
        kept.write({"state": "kept", "closed_date": self.today})
        broken.write({"state": "broken", "closed_date": self.today})
        call = self.env["account.dunning.action"].create(
            {
                "company_id": self.company.id,
                "partner_id": self.customer.id,
                "date": self.today,
                "channel": "call",
                "state": "done",
                "user_id": self.controller.id,
            }
        )
        self.env["account.dunning.dispute"].create(
            {
                "partner_id": self.customer.id,
                "reason_id": self.env.ref("account_dunning.reason_dispute").id,
                "move_ids": [Command.set(self.late_15.ids)],
                "date": self.today - timedelta(days=40),
            }
        )
        self.env.flush_all()

        promises = self._group(
            "account.dunning.report.promise",
            [],
            [],
            ["kept_count:sum", "broken_count:sum", "kept_rate:avg", "__count"],
        )
        self.assertEqual(promises, [(1, 1, 50.0, 3)])

        disputes = self._group(
            "account.dunning.report.dispute",
            [("state", "=", "open")],
            ["reason_id", "age_bucket"],
            ["amount_residual:sum", "__count"],
        )
        self.assertEqual(
            disputes,
            [(self.env.ref("account_dunning.reason_dispute"), "2_31_60", 200.0, 1)],
        )

        controllers = self._group(
            "account.dunning.report.controller",
            [("user_id", "=", self.controller.id)],
            [],
            [
                "customer_count:sum",
                "overdue_amount:sum",
                "call_count:sum",
                "promise_count:sum",
            ],
        )
        # overdue today: 200 + 400 + 800 + 1,600 + 100 (the invoice of 100
        # is not due)
        self.assertEqual(controllers, [(1, 3100.0, 1, 3)])
        # each figure opens its records: the promises, the call
        Controller = self.env["account.dunning.report.controller"].with_user(
            self.controller
        )
        rows = Controller.search([("kind", "=", "promise")])
        action = rows.action_open_records()
        self.assertEqual(Promise.search(action["domain"]), kept + broken + _open)
        calls = Controller.search(
            [("kind", "=", "call"), ("user_id", "=", self.controller.id)]
        )
        action = calls.action_open_records()
        self.assertEqual(
            self.env["account.dunning.action"].search(action["domain"]), call
        )
