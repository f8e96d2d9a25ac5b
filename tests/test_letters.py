from datetime import date, timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import DunningCommon

LETTER_REPORT = "account_dunning.action_report_dunning_letter"


@tagged("post_install", "-at_install")
class TestLetterContent(DunningCommon):
    """What each letter says, level by level (HTML rendering of the real QWeb
    report; the PDF itself is proven in test_letters_pdf)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = date(2026, 3, 2)
        cls.invoice = cls._create_invoice(cls.customer, cls.due, amount=1200.0)
        cls.invoice_small = cls._create_invoice(cls.customer, cls.due, amount=300.5)

    def _letter_text(self, actions):
        html = self.env["ir.actions.report"]._render_qweb_html(
            LETTER_REPORT, actions.ids
        )[0]
        return html2plaintext(html.decode())

    def _letter_at(self, level, day):
        """The letter the engine creates when the invoices reach `level` on `day`."""
        previous = self.policy._get_ordered_levels().filtered(
            lambda lv: lv.delay < level.delay
        )[-1:]
        if previous != (self.invoice | self.invoice_small).dunning_level_id:
            self._set_level(self.invoice | self.invoice_small, previous)
        run = self._run(day)
        letter = run.action_ids.filtered(lambda a: a.channel == "letter")
        self.assertEqual(len(letter), 1, "one letter for the customer")
        if letter.state == "draft":
            letter.action_validate()
        self.assertEqual(letter.state, "to_send")
        return letter

    def test_first_letter_is_friendly(self):
        self.level_first.send_letter = True
        letter = self._letter_at(self.level_first, self.due + timedelta(days=2))
        text = self._letter_text(letter)
        self.assertIn("reminder of unpaid invoices", text)
        self.assertIn("If your payment has crossed this letter", text)
        self.assertIn(self.invoice.name, text)
        self.assertIn(letter._get_letter_reference(), text)
        # never threatening at the first step (seeds 002, 003)
        for word in ("formal notice", "legal action", "Payment deadline"):
            self.assertNotIn(word, text)
        # the L441-10 reminder in small print for a professional
        self.assertIn("article L441-10", text)

    def test_second_letter_lists_earlier_reminders_and_penalties(self):
        self._run(self.due + timedelta(days=1))  # first reminder, by email
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)
        letter = self._letter_at(self.level_second, self.due + timedelta(days=20))
        text = self._letter_text(letter)
        self.assertIn("second reminder of unpaid invoices", text)
        self.assertIn("Our previous reminders", text)
        self.assertIn(self.level_first.name, text)
        self.assertIn("Payment deadline: 8 days", text)
        # 20 days at 12.15 % (ECB 2.15 + 10): 1,200.00 -> 7.99 and 300.50 -> 2.00,
        # plus 2 x 40 € indemnity: 1,500.50 + 9.99 + 80.00 = 1,590.49 claimed
        self.assertIn("article L441-10", text)
        self.assertIn("Fixed indemnities for recovery costs", text)
        self.assertIn("9.99", text)
        self.assertIn("80.00", text)
        self.assertIn(
            "one thousand, five hundred and ninety euro, forty-nine cents", text
        )

    def test_penalty_lines_read_as_french_in_french(self):
        """A French customer reads "1 200,00 € × 12,15 % × 20 j", not the
        English "1,200.00 € × 12.15 % × 20 d"."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search(
            [("name", "=", "account_dunning")]
        )._update_translations(["fr_FR"])
        self.customer.lang = "fr_FR"
        self._run(self.due + timedelta(days=1))
        letter = self._letter_at(self.level_second, self.due + timedelta(days=20))
        text = " ".join(
            self._letter_text(letter).replace("\N{NO-BREAK SPACE}", " ").split()
        )
        self.assertIn("1 200,00 € × 12,15 % × 20 j", text)
        self.assertNotIn("12.15", text)

    def test_formal_notice_for_a_private_person_claims_no_fee(self):
        self.customer.dunning_debtor_category = "b2c"
        letter = self._letter_at(self.level_notice, self.due + timedelta(days=35))
        self.assertTrue(letter.is_formal_notice)
        text = self._letter_text(letter)
        self.assertIn("FORMAL NOTICE TO PAY", text)
        self.assertIn("Registered letter with acknowledgement of receipt", text)
        self.assertIn("legal rate", text)
        self.assertIn("consumer mediator", text)
        self.assertIn("Payment deadline: 15 days", text)
        self.assertNotIn("indemnit", text.lower())
        self.assertIn("one thousand, five hundred euro, fifty cents", text)

    def test_printing_requires_confirmed_letters(self):
        self.level_first.send_letter = True
        self.level_first.auto_execute = False
        self._run(self.due + timedelta(days=2))
        draft = self._actions(channel="letter")
        self.assertEqual(draft.state, "draft")
        with self.assertRaisesRegex(UserError, "confirmed"):
            draft.action_print_letters()

    def test_deadline_is_checked(self):
        with self.assertRaisesRegex(Exception, "between 1 and 90 days"):
            self.level_notice.payment_deadline_days = 0
