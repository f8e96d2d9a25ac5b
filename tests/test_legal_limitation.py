import base64
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestLegalLimitation(DunningCommon):
    """Each open invoice knows the day its claim lapses (DOMAIN.md §4.3, T13 to
    T15); the customer form and the work queue warn within the policy's alert
    window, and the night proposes the formal notice, then the hand-over,
    instead of another friendly reminder."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["account.dunning.rule"]
        # a private person (no company, no VAT number) and a public buyer
        cls.consumer = cls._create_customer("Jeanne Dupont", is_company=False)
        cls.public = cls._create_customer(
            "Mairie de Villeurbanne", is_public_entity=True
        )

    @classmethod
    def _service_invoice(cls, partner, delivered, invoiced, amount=1000.0):
        """An invoice of a service completed (or goods delivered) on
        `delivered`, issued on `invoiced`, due thirty days later."""
        invoiced = cls._d(invoiced)
        move = cls._create_invoice(
            partner,
            invoiced + timedelta(days=30),
            amount=amount,
            invoice_date=invoiced,
            post=False,
        )
        move.delivery_date = cls._d(delivered)
        move.action_post()
        return move

    def _frozen(self, day):
        return freeze_time(datetime.combine(self._d(day), time(12, 0)))

    # ------------------------------------------------------------------
    # The day a claim lapses (T13, T14, T15)
    # ------------------------------------------------------------------

    def test_t13_consumer_lapses_two_years_after_completion_restarted_by_payment(
        self,
    ):
        """T13: a private person's service completed 2025-04-10, invoiced
        2025-05-20: the claim lapses after 2027-04-10 (two years from the
        completion, not from the invoice); a partial payment on 2026-01-15
        restarts two full years: 2028-01-15."""
        self.assertEqual(self.consumer.dunning_debtor_category, "b2c")
        invoice = self._service_invoice(self.consumer, "2025-04-10", "2025-05-20")
        self.assertEqual(invoice.dunning_limitation_date, date(2027, 4, 10))
        self.assertEqual(invoice.dunning_limitation_origin, "service")

        self._pay(invoice, amount=300.0, day=date(2026, 1, 15))
        self.assertEqual(invoice.amount_residual, 700.0)
        self.assertEqual(invoice.dunning_limitation_date, date(2028, 1, 15))
        self.assertEqual(invoice.dunning_limitation_origin, "payment")

        # an acknowledgement once the claim has lapsed revives nothing
        invoice.dunning_acknowledgement_date = date(2028, 3, 1)
        self.assertEqual(invoice.dunning_limitation_date, date(2028, 1, 15))
        # one before it restarts the period again
        invoice.dunning_acknowledgement_date = date(2027, 9, 1)
        self.assertEqual(invoice.dunning_limitation_date, date(2029, 9, 1))
        self.assertEqual(invoice.dunning_limitation_origin, "acknowledgement")

    def test_t14_trader_lapses_five_years_after_delivery_restarted_by_schedule(
        self,
    ):
        """T14: goods delivered to a professional on 2026-01-10, invoiced
        2026-01-12: the claim lapses after 2031-01-10; the payment schedule
        the customer signs on 2026-02-01 restarts five years: 2031-02-01."""
        invoice = self._service_invoice(self.customer, "2026-01-10", "2026-01-12")
        self.assertEqual(invoice.dunning_limitation_date, date(2031, 1, 10))

        with self._frozen("2026-02-01"):
            form = Form(
                self.env["account.dunning.schedule.wizard"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            form.instalment_count = 2
            form.first_date = date(2026, 3, 1)
            action = form.save().action_confirm()
            schedule = self.env["account.dunning.schedule"].browse(action["res_id"])
            # a draft schedule is no acknowledgement yet
            self.assertEqual(invoice.dunning_limitation_date, date(2031, 1, 10))
            schedule.write(
                {
                    "agreement_date": date(2026, 2, 1),
                    "agreement_file": base64.b64encode(b"%PDF-1.4 signed"),
                    "agreement_filename": "signed.pdf",
                }
            )
            self.assertEqual(invoice.dunning_limitation_date, date(2031, 1, 10))
            schedule.action_activate()
        self.assertEqual(invoice.dunning_limitation_date, date(2031, 2, 1))
        self.assertEqual(invoice.dunning_limitation_origin, "schedule")

    def test_t15_public_buyer_claim_lapses_four_years_from_next_first_january(self):
        """T15: a service rendered and invoiced in 2026 to a public buyer: the
        claim lapses after 2030-12-31 (four years from 1 January 2027); an
        acknowledgement in 2027 restarts from 1 January 2028: 2031-12-31."""
        self.assertEqual(self.public.dunning_debtor_category, "b2g")
        invoice = self._service_invoice(self.public, "2026-03-16", "2026-03-20")
        self.assertEqual(invoice.dunning_limitation_date, date(2030, 12, 31))
        invoice.dunning_acknowledgement_date = date(2027, 6, 1)
        self.assertEqual(invoice.dunning_limitation_date, date(2031, 12, 31))

    def test_without_delivery_date_the_invoice_date_counts(self):
        """No completion date recorded: the limitation runs from the invoice
        date; a credit note is no acknowledgement by the customer."""
        invoice = self._create_invoice(
            self.customer, "2026-02-28", invoice_date=date(2026, 1, 29)
        )
        self.assertEqual(invoice.dunning_limitation_date, date(2031, 1, 29))
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": date(2026, 3, 10),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Remise",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        credit_note.action_post()
        (credit_note | invoice).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(invoice.amount_residual, 900.0)
        self.assertEqual(invoice.dunning_limitation_date, date(2031, 1, 29))

    # ------------------------------------------------------------------
    # The alert window
    # ------------------------------------------------------------------

    def test_customer_form_shows_claims_lapsing_within_the_alert_window(self):
        """The T13 claim lapses after 2027-04-10: the customer form warns from
        2026-10-12 (180 days before), not the day before; a shorter window
        on the policy warns later."""
        self.assertEqual(self.policy.limitation_alert_days, 180)
        self._service_invoice(self.consumer, "2025-04-10", "2025-05-20")
        fields_ = ["dunning_limitation_date", "dunning_limitation_count"]
        with self._frozen("2026-10-11"):
            self.consumer.invalidate_recordset(fields_)
            self.assertFalse(self.consumer.dunning_limitation_date)
            self.assertEqual(self.consumer.dunning_limitation_count, 0)
        with self._frozen("2026-10-12"):
            self.consumer.invalidate_recordset(fields_)
            self.assertEqual(self.consumer.dunning_limitation_date, date(2027, 4, 10))
            self.assertEqual(self.consumer.dunning_limitation_count, 1)
            self.policy.limitation_alert_days = 30
            self.consumer.invalidate_recordset(fields_)
            self.assertFalse(self.consumer.dunning_limitation_date)
        arch = self.env["res.partner"].get_view(view_type="form")["arch"]
        self.assertIn('name="dunning_limitation_alert"', arch)
        self.assertIn('invisible="not dunning_limitation_date"', arch)

    def test_night_proposes_the_formal_notice_instead_of_a_friendly_reminder(self):
        """On 2026-10-12 the T13 claim lapses within 180 days: the night
        proposes the formal notice (a draft to confirm) to the private person
        reminded once, where a professional with the same invoice, whose
        claim runs five years, only gets the next friendly step."""
        trader = self._create_customer("Menuiserie Durand")
        lapsing = self._service_invoice(self.consumer, "2025-04-10", "2025-05-20")
        later = self._service_invoice(trader, "2025-04-10", "2025-05-20")
        self._set_level(lapsing | later, self.level_first, day=date(2025, 6, 19))

        self._run(date(2026, 10, 12))

        notice = self._actions(self.consumer)
        self.assertEqual(notice.level_id, self.level_notice)
        self.assertEqual(set(notice.mapped("state")), {"draft"})
        self.assertEqual(notice.line_ids.move_id, lapsing)
        friendly = self._actions(trader)
        self.assertTrue(friendly)
        self.assertEqual(friendly.level_id, self.level_call)

    def test_queue_flags_lapsing_claims_and_proposes_the_hand_over(self):
        """In the work queue, a customer whose claim lapses within the window
        is flagged with the day; once the formal notice was sent the next
        action is the hand-over even before the notice's deadline, while a
        professional whose claim runs years more waits for that deadline."""
        today = self.Rule._get_company_today(self.company)
        delivered = today - relativedelta(years=2) + timedelta(days=100)
        noticed = self._create_customer("Paul Martin", is_company=False)
        early = self._create_customer("Luc Bernard", is_company=False)
        trader = self._create_customer("Menuiserie Durand")
        invoices = {
            partner: self._service_invoice(partner, delivered, delivered)
            for partner in (noticed, early, trader)
        }
        self._set_level(
            invoices[noticed] | invoices[trader],
            self.level_notice,
            day=today - timedelta(days=2),
        )
        self._set_level(invoices[early], self.level_first, day=today - timedelta(3))

        # the invoice form: the formal notice is next, at once
        self.assertEqual(invoices[early].dunning_next_level_id, self.level_notice)
        self.assertEqual(invoices[early].dunning_next_date, today)
        self.assertFalse(invoices[noticed].dunning_next_level_id)

        self.env.flush_all()
        Queue = self.env["account.dunning.queue"]
        Queue.invalidate_model()
        customers = noticed | early | trader
        rows = {
            row.partner_id: row
            for row in Queue.search([("partner_id", "in", customers.ids)])
        }
        self.assertEqual(rows[noticed].limitation_date, today + timedelta(days=100))
        self.assertTrue(rows[noticed].limitation_alert)
        self.assertTrue(rows[early].limitation_alert)
        self.assertFalse(rows[trader].limitation_alert)
        self.assertEqual(
            rows[trader].limitation_date,
            delivered + relativedelta(years=5),
        )
        self.assertEqual(rows[noticed].next_action, "hand_over")
        self.assertTrue(rows[noticed].hand_over_due)
        self.assertEqual(rows[early].next_action, "remind")
        self.assertFalse(rows[trader].next_action)
        self.assertFalse(rows[trader].hand_over_due)
        lapsing = Queue.search(
            [("partner_id", "in", customers.ids), ("limitation_alert", "=", True)]
        )
        self.assertEqual(lapsing.partner_id, noticed | early)
        handing = Queue.search(
            [("partner_id", "in", customers.ids), ("hand_over_due", "=", True)]
        )
        self.assertEqual(handing.partner_id, noticed)
