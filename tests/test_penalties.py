from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import DunningCommon

TODAY = "2026-11-23"


@tagged("post_install", "-at_install")
class TestPenalties(DunningCommon):
    """Late-payment penalties: the worked examples of DOMAIN.md section 9."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rate = cls.env["account.dunning.rate"]
        cls.customer.dunning_debtor_category = "b2b"

    def _penalties(self, invoice, on_date=TODAY):
        return invoice._get_dunning_penalties(on_date)[invoice.id]

    def _assert_penalties(self, invoice, interest, fee, on_date=TODAY):
        values = self._penalties(invoice, on_date)
        self.assertAlmostEqual(values["interest"], interest, places=2)
        self.assertAlmostEqual(values["fixed_fee"], fee, places=2)
        return values

    def _formal_notice(self, invoice, day, state="done"):
        return self.env["account.dunning.action"].create(
            {
                "partner_id": invoice.commercial_partner_id.id,
                "level_id": self.level_notice.id,
                "date": day,
                "channel": "letter",
                "state": state,
                "line_ids": [
                    Command.create(
                        {
                            "move_id": invoice.id,
                            "level_id": self.level_notice.id,
                            "currency_id": invoice.currency_id.id,
                            "date_due": invoice.invoice_date_due,
                            "amount_total": invoice.amount_total,
                            "amount_residual": invoice.amount_residual,
                        }
                    )
                ],
            }
        )

    # ------------------------------------------------------------
    # Reference rates
    # ------------------------------------------------------------

    def test_t10_ecb_lookup(self):
        get = self.Rate._get_rate
        self.assertEqual(get("ecb_mro", "2025-01-01"), 3.15)
        self.assertEqual(get("ecb_mro", "2025-03-20"), 2.65)
        self.assertEqual(get("ecb_mro", "2025-07-01"), 2.15)
        self.assertEqual(get("ecb_mro", "2026-01-01"), 2.15)
        self.assertIsNone(get("ecb_mro", "2024-12-17"))
        self.assertEqual(get("legal_business", "2025-08-15"), 2.76)
        self.assertEqual(get("legal_consumer", "2026-02-01"), 6.67)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.Rate.create(
                {"rate_type": "ecb_mro", "date_start": "2025-06-11", "rate": 2.0}
            )
            self.env.flush_all()

    # ------------------------------------------------------------
    # Professionals
    # ------------------------------------------------------------

    def test_t1_base_b2b(self):
        invoice = self._create_invoice(self.customer, "2026-01-31", 10000)
        self._pay(invoice, day=self._d("2026-03-02"))
        values = self._assert_penalties(invoice, 99.86, 40.0)
        self.assertEqual(
            values["periods"],
            [(date(2026, 2, 1), date(2026, 3, 2), 30, 10000.0, 12.15)],
        )
        # The fields, as of a given day; before the due date nothing is owed.
        dated = invoice.with_context(dunning_penalty_date="2026-03-10")
        self.assertAlmostEqual(dated.dunning_interest_amount, 99.86)
        self.assertAlmostEqual(dated.dunning_fixed_fee, 40.0)
        early = invoice.with_context(dunning_penalty_date="2026-01-31")
        self.assertEqual(early.dunning_interest_amount, 0.0)
        self.assertEqual(early.dunning_fixed_fee, 0.0)

    def test_unpaid_invoice_accrues_to_date(self):
        invoice = self._create_invoice(self.customer, "2026-01-31", 10000)
        # 30 days as of 2 March, nothing paid yet.
        self._assert_penalties(invoice, 99.86, 40.0, on_date="2026-03-02")
        # A payment after the day of the computation is not taken into account.
        self._pay(invoice, day=self._d("2026-03-20"))
        self._assert_penalties(invoice, 99.86, 40.0, on_date="2026-03-02")

    def test_paid_on_time_owes_nothing(self):
        invoice = self._create_invoice(self.customer, "2026-01-31", 10000)
        self._pay(invoice, day=self._d("2026-01-31"))
        self._assert_penalties(invoice, 0.0, 0.0)

    def test_t2_partial_payment(self):
        invoice = self._create_invoice(self.customer, "2026-01-31", 10000)
        self._pay(invoice, amount=4000, day=self._d("2026-02-15"))
        self._pay(invoice, amount=6000, day=self._d("2026-03-02"))
        values = self._assert_penalties(invoice, 79.89, 40.0)
        self.assertEqual(
            [(p[2], p[3]) for p in values["periods"]], [(15, 10000.0), (15, 6000.0)]
        )

    def test_t2_part_paid_on_time_still_owes_the_indemnity(self):
        invoice = self._create_invoice(self.customer, "2026-01-31", 10000)
        self._pay(invoice, amount=9000, day=self._d("2026-01-20"))
        self._pay(invoice, amount=1000, day=self._d("2026-02-10"))
        # 1 000 × 12.15 % × 10 / 365 = 3.33
        self._assert_penalties(invoice, 3.33, 40.0)

    def test_t3_semester_split(self):
        self.Rate.create(
            {"rate_type": "ecb_mro", "date_start": "2026-07-01", "rate": 1.90}
        )
        invoice = self._create_invoice(self.customer, "2026-06-15", 5000)
        self._pay(invoice, day=self._d("2026-07-15"))
        values = self._assert_penalties(invoice, 49.42, 40.0)
        self.assertEqual(
            values["periods"],
            [
                (date(2026, 6, 16), date(2026, 6, 30), 15, 5000.0, 12.15),
                (date(2026, 7, 1), date(2026, 7, 15), 15, 5000.0, 11.90),
            ],
        )
        self.policy.semester_split = False
        self._assert_penalties(invoice, 49.93, 40.0)

    def test_t4_year_boundary(self):
        invoice = self._create_invoice(self.customer, "2025-11-30", 3000)
        self._pay(invoice, day=self._d("2026-01-14"))
        values = self._assert_penalties(invoice, 44.94, 40.0)
        self.assertEqual([p[2] for p in values["periods"]], [31, 14])

    def test_t5_indemnity_per_invoice(self):
        invoices = self.env["account.move"]
        for amount in (1000, 2000, 3000):
            invoices |= self._create_invoice(self.customer, "2026-01-31", amount)
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"payment_date": "2026-02-10", "group_payment": True})
        )
        payment = wizard._create_payments()
        self.assertEqual(len(payment), 1, "one transfer")
        penalties = invoices._get_dunning_penalties(TODAY)
        self.assertAlmostEqual(sum(v["fixed_fee"] for v in penalties.values()), 120.0)
        # 12.15 % over 10 days: 3.33 + 6.66 + 9.99
        self.assertAlmostEqual(sum(v["interest"] for v in penalties.values()), 19.98)

    def test_t6_contract_rate_floor(self):
        rates = self.Rate
        self.assertAlmostEqual(rates._get_contract_rate_floor(date(2026, 3, 15)), 7.86)
        self.assertAlmostEqual(rates._get_contract_rate_floor(date(2025, 8, 15)), 8.28)
        with freeze_time("2026-03-15"):
            with self.assertRaisesRegex(ValidationError, "7.86"):
                self.customer.dunning_contract_rate = 7.0
            with self.assertRaisesRegex(ValidationError, "7.86"):
                self.policy.contract_rate = 7.0
            self.customer.dunning_contract_rate = 9.0
            self.policy.contract_rate = 8.0
        # The contractual rate replaces ECB + 10: 10 000 × 9 % × 30 / 365 = 73.97.
        invoice = self._create_invoice(self.customer, "2026-01-31", 10000)
        self._pay(invoice, day=self._d("2026-03-02"))
        self._assert_penalties(invoice, 73.97, 40.0)
        # Without a rate of its own the customer gets the policy's: 65.75.
        self.customer.dunning_contract_rate = 0.0
        self._assert_penalties(invoice, 65.75, 40.0)

    def test_t11_leap_year(self):
        invoice = self._create_invoice(self.customer, "2028-02-14", 1000)
        self._pay(invoice, day=self._d("2028-03-15"))
        self._assert_penalties(invoice, 9.99, 40.0, on_date="2028-04-01")
        self.policy.leap_year_366 = True
        self._assert_penalties(invoice, 9.96, 40.0, on_date="2028-04-01")

    # ------------------------------------------------------------
    # Public buyers and private persons
    # ------------------------------------------------------------

    def test_t8_public_buyer(self):
        town = self._create_customer("Mairie de Lyon", is_public_entity=True)
        self.assertEqual(town.dunning_debtor_category, "b2g")
        invoice = self._create_invoice(
            town, "2026-04-01", 20000, invoice_date=self._d("2026-03-02")
        )
        self._pay(invoice, day=self._d("2026-04-21"))
        values = self._assert_penalties(invoice, 111.23, 40.0)
        self.assertEqual(values["periods"][0][4], 10.15)
        town.dunning_public_hospital = True
        self._assert_penalties(invoice, 0.0, 0.0)

    def test_t9_private_person(self):
        person = self._create_customer("Jean Dupont", is_company=False)
        self.assertEqual(person.dunning_debtor_category, "b2c")
        invoice = self._create_invoice(person, "2026-02-01", 1000)
        self._pay(invoice, day=self._d("2026-03-31"))
        # No formal notice, no interest, and never an indemnity.
        self._assert_penalties(invoice, 0.0, 0.0)
        notice = self._formal_notice(invoice, "2026-03-01", state="draft")
        self._assert_penalties(invoice, 0.0, 0.0)
        notice.state = "done"
        values = self._assert_penalties(invoice, 2.15, 0.0)
        self.assertEqual(
            values["periods"],
            [(date(2026, 3, 2), date(2026, 3, 31), 30, 1000.0, 2.62)],
        )

    def test_debtor_category_default(self):
        person = self._create_customer("Marie Curie", is_company=False)
        self.assertEqual(person.dunning_debtor_category, "b2c")
        person.vat = "FR23334175221"
        self.assertEqual(person.dunning_debtor_category, "b2b")
        person.dunning_debtor_category = "b2c"
        self.assertEqual(person.dunning_debtor_category, "b2c")

    # ------------------------------------------------------------
    # Debit note
    # ------------------------------------------------------------

    def test_claim_penalties_debit_note(self):
        first = self._create_invoice(self.customer, "2026-01-31", 10000)
        self._pay(first, day=self._d("2026-03-02"))
        second = self._create_invoice(self.customer, "2026-01-31", 10000)
        self._pay(second, amount=4000, day=self._d("2026-02-15"))
        self._pay(second, amount=6000, day=self._d("2026-03-02"))
        action = (first | second).action_dunning_claim_penalties()
        note = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(note.move_type, "out_invoice")
        self.assertEqual(note.state, "draft")
        self.assertEqual(note.partner_id, self.customer)
        lines = note.invoice_line_ids
        self.assertEqual(len(lines), 2)
        self.assertFalse(lines.tax_ids, "penalties are damages: no VAT")
        self.assertEqual(lines.mapped("price_unit"), [179.75, 80.0])
        self.assertIn(first.name, lines[0].name)
        self.assertIn("12.15 %", lines[0].name)
        self.assertEqual(note.amount_tax, 0.0)
        self.assertAlmostEqual(note.amount_total, 259.75)
        self.assertEqual(
            lines.account_id, note.journal_id.default_account_id, "income account"
        )

    def test_claim_penalties_refused(self):
        other = self._create_customer("Garage Dupuis")
        first = self._create_invoice(self.customer, "2026-01-31", 1000)
        second = self._create_invoice(other, "2026-01-31", 1000)
        with self.assertRaisesRegex(UserError, "several customers"):
            (first | second).action_dunning_claim_penalties()
        on_time = self._create_invoice(self.customer, "2026-12-31", 1000)
        with self.assertRaisesRegex(UserError, "Nothing is due"):
            on_time.action_dunning_claim_penalties()

    def test_queries_do_not_grow_with_invoices(self):
        other = self._create_customer("Garage Dupuis")
        invoices = self.env["account.move"]
        for partner in (self.customer, other) * 3:
            invoices |= self._create_invoice(partner, "2026-01-31", 1000)
        self._pay(invoices[0], amount=500, day=self._d("2026-02-10"))

        def count(moves):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            moves._get_dunning_penalties(TODAY)
            return self.cr.sql_log_count - before

        count(invoices)  # warm the registry caches
        self.assertEqual(count(invoices[:1]), count(invoices))

    def test_billing_user_reads_and_claims(self):
        clerk = self._create_user("penalty_clerk", "account.group_account_invoice")
        invoice = self._create_invoice(self.customer, "2026-01-31", 10000)
        self._pay(invoice, day=self._d("2026-03-02"))
        invoice = invoice.with_user(clerk)
        self.assertAlmostEqual(invoice.dunning_interest_amount, 99.86)
        action = invoice.action_dunning_claim_penalties()
        note = self.env["account.move"].browse(action["res_id"])
        self.assertAlmostEqual(note.amount_total, 139.86)

    def test_t12_collective_proceedings(self):
        """Receivership published on 10 Feb 2026: no penalty nor indemnity can be
        claimed any more, the claim is declared before 10 April 2026."""
        invoice = self._create_invoice(self.customer, "2026-01-31", 10000)
        dated = invoice.with_context(dunning_penalty_date="2026-02-09")
        # The day before the publication the penalties run as usual (9 days).
        self.assertAlmostEqual(dated.dunning_interest_amount, 29.96)
        self.assertAlmostEqual(dated.dunning_fixed_fee, 40.0)
        self.customer.write(
            {
                "dunning_proceedings": "receivership",
                "dunning_proceedings_date": "2026-02-10",
            }
        )
        self.assertEqual(self.customer.dunning_claim_deadline, date(2026, 4, 10))
        for day in ("2026-02-10", "2026-03-02", TODAY):
            self._assert_penalties(invoice, 0.0, 0.0, on_date=day)
            dated = invoice.with_context(dunning_penalty_date=day)
            self.assertEqual(dated.dunning_interest_amount, 0.0)
            self.assertEqual(dated.dunning_fixed_fee, 0.0)
        self.assertAlmostEqual(
            invoice.with_context(
                dunning_penalty_date="2026-02-09"
            ).dunning_interest_amount,
            29.96,
            msg="the publication date decides, not the day the field is read",
        )
        with self.assertRaisesRegex(UserError, "collective proceedings"):
            invoice.action_dunning_claim_penalties()
        # The run skips the customer: no reminder either.
        run = self._run("2026-03-02")
        self.assertEqual(run.skip_proceedings, 1)
        self.assertFalse(self._actions())
        # A creditor outside mainland France has two more months.
        self.company.partner_id.zip = "97400"
        self.customer.invalidate_recordset(["dunning_claim_deadline"])
        self.assertEqual(self.customer.dunning_claim_deadline, date(2026, 6, 10))
