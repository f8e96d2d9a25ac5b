from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged

from .common import DunningCommon

ONCHANGE_LOGGER = "odoo.tests.form.onchange"


@tagged("post_install", "-at_install")
class TestLegalPaymentTerms(DunningCommon):
    """Payment terms and the law (DOMAIN.md §2, T7, T20): "45 days end of
    month" counted the way the company chose, and a warning on the customer
    and the invoice when a term goes beyond the legal maximum."""

    @classmethod
    def _term(cls, name, days):
        return cls.env["account.payment.term"].create(
            {
                "name": name,
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": days}
                    )
                ],
            }
        )

    def _settings(self, **values):
        settings = Form(self.env["res.config.settings"])
        for name, value in values.items():
            setattr(settings, name, value)
        settings.save().execute()

    def _invoice_form(self, term, invoice_date, partner=None):
        form = Form(
            self.env["account.move"].with_context(default_move_type="out_invoice")
        )
        form.partner_id = partner or self.customer
        # the line first: Odoo computes a draft's due date from its lines
        with form.invoice_line_ids.new() as line:
            line.name = "Prestation"
            line.price_unit = 1000.0
        form.invoice_date = invoice_date
        form.invoice_payment_term_id = term
        return form

    def _invoice(self, term, invoice_date, partner=None):
        return self._invoice_form(term, invoice_date, partner).save()

    def test_t7_45_days_end_of_month_both_methods_and_60_days_net(self):
        net60 = self._term("60 days net", 60)
        expected = {
            # invoice date: method A, method B, 60 days net
            date(2026, 1, 15): (
                date(2026, 3, 17),
                date(2026, 3, 31),
                date(2026, 3, 16),
            ),
            date(2026, 3, 10): (date(2026, 5, 15), date(2026, 4, 30), date(2026, 5, 9)),
        }
        self._settings(dunning_fdm_method="eom_then_days")
        fdm = self.company.dunning_fdm_payment_term_id
        self.assertEqual(fdm.dunning_fdm_method, "eom_then_days")
        self.assertEqual(fdm.line_ids.delay_type, "days_after_end_of_month")
        for invoice_date, (method_a, _method_b, net) in expected.items():
            invoice = self._invoice(fdm, invoice_date)
            self.assertEqual(invoice.invoice_date_due, method_a)
            # stipulated 45 days end of month: no "over 60 days" warning
            self.assertFalse(invoice.dunning_payment_term_warning)
            self.assertEqual(self._invoice(net60, invoice_date).invoice_date_due, net)
        # the company changes its mind: the same term now counts the other way
        self._settings(dunning_fdm_method="days_then_eom")
        self.assertEqual(self.company.dunning_fdm_payment_term_id, fdm)
        self.assertEqual(fdm.dunning_fdm_method, "days_then_eom")
        for invoice_date, (_method_a, method_b, _net) in expected.items():
            invoice = self._invoice(fdm, invoice_date)
            self.assertEqual(invoice.invoice_date_due, method_b)
            self.assertFalse(invoice.dunning_payment_term_warning)
        # 60 days net and 45 days end of month are within the law for a
        # professional customer
        for term in (fdm, net60):
            self.assertFalse(
                term._get_dunning_legal_warning(self.customer, self.company)
            )
        # the reminders follow the due date the term gives
        invoice = self._invoice(fdm, date(2026, 1, 15))
        invoice.action_post()
        with freeze_time("2026-04-01 10:00:00"):
            invoice.invalidate_recordset(["dunning_next_date", "dunning_next_level_id"])
            self.assertEqual(invoice.dunning_next_level_id, self.level_first)
            self.assertEqual(invoice.dunning_next_date, date(2026, 3, 31))
        # the first reminder goes out on the due date method B gave
        reminder = self._run(date(2026, 3, 31)).action_ids
        self.assertEqual(reminder.line_ids.move_id, invoice)
        self.assertEqual(reminder.level_id, self.level_first)

    def test_t20_75_days_net_warns_for_a_professional_not_for_a_consumer(self):
        net75 = self._term("75 days net", 75)
        # the customer form: a warning when the term is set, and a banner
        with self.assertLogs(ONCHANGE_LOGGER, "WARNING") as logs:
            customer_form = Form(self.customer)
            customer_form.property_payment_term_id = net75
        self.assertIn("75 days", logs.output[0])
        self.assertIn("L441-10", logs.output[0])
        customer_form.save()
        self.assertIn(
            "allows up to 75 days", self.customer.dunning_payment_term_warning
        )
        # the invoice: the same warning and banner; it is not blocking
        with self.assertLogs(ONCHANGE_LOGGER, "WARNING") as logs:
            invoice = self._invoice(net75, date(2026, 1, 15))
        self.assertIn("60 days", logs.output[0])
        self.assertIn("75 days", invoice.dunning_payment_term_warning)
        self.assertEqual(invoice.invoice_date_due, date(2026, 3, 31))
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        # a due date typed by hand beyond 60 days (no payment term) too
        manual = self._create_invoice(
            self.customer, date(2026, 4, 1), invoice_date=date(2026, 1, 15)
        )
        self.assertIn("76 days", manual.dunning_payment_term_warning)
        # a private person is not subject to the ceiling between professionals
        consumer = self._create_customer("Jean Dupont", is_company=False)
        self.assertEqual(consumer.dunning_debtor_category, "b2c")
        with self.assertNoLogs(ONCHANGE_LOGGER, "WARNING"):
            consumer_form = Form(consumer)
            consumer_form.property_payment_term_id = net75
            consumer_form.save()
            consumer_invoice = self._invoice(net75, date(2026, 1, 15), consumer)
        self.assertFalse(consumer.dunning_payment_term_warning)
        self.assertFalse(consumer_invoice.dunning_payment_term_warning)

    def test_t20_transport_preset_is_30_days_and_longer_terms_warn(self):
        self._settings(dunning_sector="transport")
        preset = self.company.dunning_transport_payment_term_id
        self.assertTrue(preset)
        with self.assertNoLogs(ONCHANGE_LOGGER, "WARNING"):
            invoice = self._invoice(preset, date(2026, 1, 15))
        self.assertEqual(invoice.invoice_date_due, date(2026, 2, 14))
        self.assertFalse(invoice.dunning_payment_term_warning)
        # 45 days: fine between professionals, over the transport maximum
        net45 = self._term("45 days net", 45)
        with self.assertLogs(ONCHANGE_LOGGER, "WARNING") as logs:
            invoice = self._invoice(net45, date(2026, 1, 15))
        self.assertIn("L441-11", logs.output[0])
        self.assertIn("30 days", invoice.dunning_payment_term_warning)
        # and so is "45 days end of month", allowed in other trades
        self.assertIn(
            "L441-11",
            self.company.dunning_fdm_payment_term_id._get_dunning_legal_warning(
                self.customer, self.company
            ),
        )
        # back to the general rule: 45 days net is within the law again
        self._settings(dunning_sector="general")
        self.assertFalse(net45._get_dunning_legal_warning(self.customer, self.company))
