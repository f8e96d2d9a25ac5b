import re
from datetime import date, timedelta

from odoo import Command
from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import DunningCommon

LETTER_REPORT = "account_dunning.action_report_dunning_letter"


def _plain(html):
    """Text of an HTML letter or email, spaces normalised (amounts are printed
    with no-break spaces)."""
    if isinstance(html, bytes):
        html = html.decode()
    text = html2plaintext(re.sub(r"data:image/[^\"']*", "", html or ""))
    return re.sub(r"[\s\u00a0\u202f\ufeff]+", " ", text)


class LetterClaimsCommon(DunningCommon):
    """A customer's reminders as the night sends them, and their letter and
    email as the customer reads them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = date(2026, 3, 2)

    def _refund(self, amount, day, currency=None):
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": day,
                "currency_id": (currency or self.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        return refund

    def _payment(self, amount, day):
        """A payment received and posted, not matched with any invoice."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": amount,
                "date": day,
                "memo": "VIR CLIENT 4521",
            }
        )
        payment.action_post()
        return payment

    def _letter_text(self, actions):
        html = self.env["ir.actions.report"]._render_qweb_html(
            LETTER_REPORT, actions.ids
        )[0]
        return _plain(html)

    def _night(self, day, channel="letter"):
        """The nightly job on `day`; its reminder through `channel`, confirmed
        as a credit manager would confirm a formal notice."""
        run = self._run_cron(day)
        action = run.action_ids.filtered(lambda a: a.channel == channel)
        self.assertEqual(len(action), 1, f"one {channel} reminder")
        if action.state == "draft":
            action.action_validate()
        return action


@tagged("post_install", "-at_install")
class TestLetterCredits(LetterClaimsCommon):
    """Issue 14, item 3: a letter claims what the email claims. Open credit
    notes and payments not yet matched are listed as deductions and the
    letter claims the net total, the reminder's `amount_due`."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(cls.customer, cls.due, amount=1200.0)
        cls.invoice_small = cls._create_invoice(cls.customer, cls.due, amount=300.5)
        cls.invoices = cls.invoice | cls.invoice_small

    def test_formal_notice_deducts_credit_notes_and_payments(self):
        refund = self._refund(200.0, date(2026, 3, 10))
        payment = self._payment(100.0, date(2026, 3, 15))
        self._set_level(self.invoices, self.level_last_call)
        notice = self._night(self.due + timedelta(days=35))
        self.assertTrue(notice.is_formal_notice)
        # 1,500.50 of invoices less 300.00 of credits
        self.assertAlmostEqual(notice.amount_due, 1200.5)
        text = self._letter_text(notice)
        for expected in (
            refund.name,
            "03/10/2026",
            payment.move_id.name,
            "VIR CLIENT 4521",
            "200.00",
            "100.00",
            "1,200.50",
        ):
            self.assertIn(expected, text)
        # penalties on each invoice's own balance (35 days at 12.15 %: 13.98 and
        # 3.50) and 2 x 40 €: 1,200.50 + 17.48 + 80.00 = 1,297.98 claimed
        self.assertIn("13.98", text)
        self.assertIn("1,297.98", text)
        self.assertIn(
            "one thousand, two hundred and ninety-seven euro, ninety-eight cents",
            text,
        )
        self.assertNotIn("1,597.98", text, "never the gross amount")

    def test_second_reminder_email_and_letter_claim_the_same_net_total(self):
        refund = self._refund(200.0, date(2026, 3, 10))
        self._set_level(self.invoices, self.level_call)
        day = self.due + timedelta(days=20)
        letter = self._night(day)
        email = self._actions(channel="email", date=day)
        self.assertEqual(email.state, "done")
        self.assertAlmostEqual(letter.amount_due, 1300.5)
        self.assertAlmostEqual(email.amount_due, 1300.5)
        body = _plain(email.mail_id.body_html)
        self.assertIn(refund.name, body)
        self.assertIn("1,300.50", body)
        self.assertNotIn("1,500.50", body)
        text = self._letter_text(letter)
        self.assertIn(refund.name, text)
        # the invoices' own total, then the credit deducted, then what is due
        self.assertRegex(text, r"Total of these invoices\W+1,500\.50")
        self.assertRegex(text, r"Principal due\W+1,300\.50")
        self.assertNotRegex(text, r"Total due\W+1,500\.50")

    def test_credit_covering_the_reminded_invoices_reminds_nothing(self):
        """The credits exceed the overdue invoices; the balance stays positive
        only because of an invoice not yet due: nothing is claimed."""
        self._create_invoice(
            self.customer, date(2026, 5, 30), amount=5000.0, invoice_date="2026-03-01"
        )
        self._refund(1600.0, date(2026, 3, 1))
        run = self._run_cron(self.due + timedelta(days=1))
        self.assertFalse(self._actions())
        self.assertEqual(run.skip_to_reconcile, 1)

    def test_only_the_reminded_invoices_are_claimed(self):
        """An overdue invoice left out of tonight's reminder (in dispute) is
        neither listed nor claimed; the credits are deducted from what is."""
        self.invoice_small.is_disputed = True
        self._refund(200.0, date(2026, 3, 10))
        self._set_level(self.invoices, self.level_last_call)
        notice = self._night(self.due + timedelta(days=35))
        self.assertEqual(notice.move_ids, self.invoice)
        self.assertAlmostEqual(notice.amount_due, 1000.0)
        text = self._letter_text(notice)
        self.assertIn("1,000.00", text)
        self.assertNotIn("1,300.50", text)
        self.assertNotIn(self.invoice_small.name, text)


@tagged("post_install", "-at_install")
class TestLetterCurrencies(LetterClaimsCommon):
    """Issue 14, item 4: every currency apart. One reminder per customer and
    channel, with its totals per currency; `amount_due` stays the total in the
    company currency (the work queue's unit)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # USD per EUR: 1.25 when invoiced, 1.10 from the first day of delay,
        # 1.30 from 20 March
        cls.usd = cls.setup_other_currency(
            "USD",
            rates=[("2026-01-01", 1.25), ("2026-03-03", 1.10), ("2026-03-20", 1.30)],
        )
        cls.invoice = cls._create_invoice(cls.customer, cls.due, amount=1000.0)
        cls.invoice_usd = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "currency_id": cls.usd.id,
                "invoice_date": cls.due,
                "invoice_date_due": cls.due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Prestation",
                            "quantity": 1,
                            "price_unit": 500.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        cls.invoice_usd.action_post()
        cls.invoices = cls.invoice | cls.invoice_usd

    def test_indemnity_converted_on_the_first_day_of_delay(self):
        """40 € become 44.00 USD at the rate of 3 March, the first day of delay,
        whatever the day the penalties are computed on."""
        for day in (date(2026, 3, 10), date(2026, 3, 22)):
            penalties = self.invoice_usd._get_dunning_penalties(day)
            self.assertAlmostEqual(
                penalties[self.invoice_usd.id]["fixed_fee"], 44.0, places=2
            )
        penalties = self.invoice._get_dunning_penalties(date(2026, 3, 22))
        self.assertAlmostEqual(penalties[self.invoice.id]["fixed_fee"], 40.0)

    def test_second_reminder_totals_per_currency(self):
        self._set_level(self.invoices, self.level_call)
        day = self.due + timedelta(days=20)
        letter = self._night(day)
        # the company-currency total, at the invoices' own rates (500 USD at
        # 1.25 = 400 €), for the work queue and the history
        self.assertAlmostEqual(letter.amount_due, 1400.0)
        text = self._letter_text(letter)
        # EUR: 1,000.00 + 6.66 interest (20 days at 12.15 %) + 40.00
        # USD: 500.00 + 3.33 interest + 44.00 indemnity
        self.assertIn("1,046.66", text)
        self.assertIn("547.33", text)
        self.assertIn("one thousand and forty-six euro, sixty-six cents", text)
        self.assertIn("five hundred and forty-seven dollars, thirty-three cents", text)
        for mixed in ("1,500.00", "1,400.00", "1,593.99"):
            self.assertNotIn(mixed, text, "no sum across currencies")
        email = self._actions(channel="email", date=day)
        body = _plain(email.mail_id.body_html)
        self.assertIn("1,000.00", body)
        self.assertIn("500.00", body)
        for mixed in ("1,500.00", "1,400.00"):
            self.assertNotIn(mixed, body, "no sum across currencies")
