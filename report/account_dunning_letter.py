import io
import logging
import re
import subprocess
from collections import defaultdict

import pytz
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.tools import format_date, formatLang, get_lang
from odoo.tools.image import image_data_uri
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from ..lib.formats import amount_in_words
from ..models.account_dunning_action import VALIDATED_STATES
from ..models.account_dunning_einvoice_status import EINVOICE_RECEIPT_PROOFS

_logger = logging.getLogger(__name__)
LETTER_REPORT = "account_dunning.action_report_dunning_letter"


class ReportDunningLetter(models.AbstractModel):
    """Figures of the reminder letters, computed once for a whole batch: the
    penalties, the earlier reminders and the totals are read set-based so that
    500 letters cost the same few queries as one."""

    _name = "report.account_dunning.report_dunning_letter"
    _description = "Dunning letter"

    # ------------------------------------------------------------
    # VALUES OF THE LETTERS
    # ------------------------------------------------------------

    @api.model
    def _get_report_values(self, docids, data=None):
        actions = self.env["account.dunning.action"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "account.dunning.action",
            "docs": actions,
            "letters": self._get_letters_values(actions),
        }

    @api.model
    def _render_preview(self, action):
        """HTML of the letter an unsaved reminder would print (Relancer wizard):
        the same document template and figures as the PDF, without the PDF."""
        values = self._get_letters_values(action)
        lang = values[action.id]["lang"]
        return (
            self.env["ir.qweb"]
            .with_context(lang=lang)
            ._render(
                "account_dunning.report_dunning_letter_document",
                {
                    "action": action.with_context(lang=lang),
                    "letters": values,
                    "image_data_uri": image_data_uri,
                },
            )
        )

    @api.model
    def _get_letters_values(self, actions):
        """What each letter says. Amounts are given per currency, each in its
        own (`account.dunning.claim._get_action_claims`): the invoices listed,
        less the customer's credits kept with the reminder, plus the penalties
        of each invoice in its currency; the net principal is the reminder's
        `amount_due` when everything is in the company currency."""
        penalties = {}
        for date, dated in actions.grouped("date").items():
            moves = dated.line_ids.move_id
            penalties[date] = moves._get_dunning_penalties(on_date=date)
        history = self._get_history(actions)
        broken_promises = self._get_broken_promises(actions)
        claims = self.env["account.dunning.claim"]._get_action_claims(actions)
        Portal = self.env["account.dunning.portal"]
        Send = self.env["account.dunning.send"]
        values = {}
        for action in actions:
            partner = action.partner_id
            # the customer's page: a short link to type and its QR code
            portal_url = Portal._get_short_url(partner)
            lang = partner.lang or get_lang(self.env).code
            category = partner.dunning_debtor_category or "b2b"
            level = action.level_id
            lines = []
            with_penalties = level.apply_penalties
            for line in action.line_ids:
                move = line.move_id
                move_penalty = penalties[action.date].get(move.id) or {}
                interest = move_penalty.get("interest", 0.0) if with_penalties else 0.0
                fee = move_penalty.get("fixed_fee", 0.0) if with_penalties else 0.0
                if category == "b2c":
                    fee = 0.0  # never a recovery fee for a private person
                lines.append(
                    {
                        "line": line,
                        "move": move,
                        "currency": line.currency_id,
                        "paid": line.amount_total - line.amount_residual,
                        "interest": interest,
                        "fee": fee,
                        "periods": move_penalty.get("periods", []),
                        "period_texts": self._get_period_texts(
                            move_penalty.get("periods", []), line.currency_id, lang
                        ),
                    }
                )
            totals = []
            for claim in claims[action.id]:
                currency = claim["currency"]
                items = [item for item in lines if item["currency"] == currency]
                interest_total = currency.round(sum(i["interest"] for i in items))
                fee_total = currency.round(sum(i["fee"] for i in items))
                total_claimed = currency.round(
                    claim["net"] + interest_total + fee_total
                )
                totals.append(
                    dict(
                        claim,
                        interest_total=interest_total,
                        fee_total=fee_total,
                        total_claimed=total_claimed,
                        total_in_words=amount_in_words(total_claimed, currency, lang),
                    )
                )
            deadline_days = level._get_deadline_days(category)
            einvoice = self._get_einvoice_texts(action, lang)
            values[action.id] = {
                "lang": lang,
                "tone": level._get_letter_tone(),
                "category": category,
                "lines": lines,
                # one per currency, the company's first; those with invoices
                # carry the claim, the others only a credit in the customer's
                # favour
                "totals": totals,
                "claimed": [total for total in totals if total["principal"]],
                "credits": [
                    dict(item, currency=total["currency"])
                    for total in totals
                    for item in total["credit_items"]
                ],
                "deadline_days": deadline_days,
                # the platform's statuses: proof the buyer received the invoices
                "einvoice": einvoice,
                "history": history.get(action.id, []),
                "broken_promises": broken_promises.get(action.id, []),
                "bank": action.company_id.partner_id.bank_ids[:1],
                "payment_refs": [
                    ref
                    for ref in action.line_ids.move_id.mapped("payment_reference")
                    if ref
                ],
                "recipients": action.contact_ids.filtered(
                    lambda c, partner=partner: c != partner and c.name
                ),
                "reference": action._get_letter_reference(),
                "portal_url": portal_url,
                "portal_qr": portal_url and Portal._get_qr_data_uri(portal_url),
                # what the "Relancer" wizard joins to the email, listed here
                "enclosures": Send._get_extra_document_names(
                    partner,
                    action.company_id,
                    action.attach_statement,
                    action.attach_terms,
                ),
            }
        return values

    @api.model
    def _get_einvoice_texts(self, action, lang):
        """One sentence per invoice of the reminder known to the buyer's
        e-invoicing platform: the status proving its receipt (made available,
        taken over, ..., deposited) with its timestamp, and the latest status
        when it is another, as the customer reads dates, in the company's
        time zone."""
        env = self.with_context(lang=lang).env
        tz = env["account.dunning.rule"]._get_company_tz(action.company_id)
        labels = dict(
            env["account.dunning.einvoice.status"]
            ._fields["code"]
            ._description_selection(env)
        )

        def when(status):
            local = pytz.utc.localize(status.date).astimezone(pytz.timezone(tz))
            return f"{format_date(env, local.date())} {local:%H:%M}"

        texts = []
        for move in action.line_ids.move_id:
            statuses = move.dunning_einvoice_status_ids.sorted(
                lambda s: (s.date, s.id), reverse=True
            )
            if not statuses:
                continue
            proofs = statuses.filtered(lambda s: s.code in EINVOICE_RECEIPT_PROOFS)
            proof = min(
                proofs,
                key=lambda s: (EINVOICE_RECEIPT_PROOFS.index(s.code), s.date),
                default=None,
            )
            latest = statuses[0]
            if proof:
                text = env._(
                    "Invoice %(invoice)s: on the e-invoicing platform since "
                    "%(date)s (status %(status)s).",
                    invoice=move.name,
                    date=when(proof),
                    status=labels[proof.code],
                )
                if latest != proof:
                    text += " " + env._(
                        "Latest status: %(status)s on %(date)s.",
                        status=labels[latest.code],
                        date=when(latest),
                    )
            else:
                text = env._(
                    "Invoice %(invoice)s: latest status on the e-invoicing "
                    "platform %(status)s on %(date)s.",
                    invoice=move.name,
                    status=labels[latest.code],
                    date=when(latest),
                )
            texts.append(text)
        return texts

    @api.model
    def _get_broken_promises(self, actions):
        """{reminder id: [promise]}: the promises of payment on the reminder's
        invoices found broken on or before its date, oldest first, each once.
        The night closes a broken promise before it escalates (the invoice's
        promised date then only holds open promises), so the letter reads the
        promises themselves."""
        moves = actions.line_ids.move_id
        if not moves:
            return {}
        promises = (
            self.env["account.dunning.promise"]
            .sudo()
            .search(
                [
                    ("move_ids", "in", moves.ids),
                    ("state", "=", "broken"),
                    ("closed_date", "<=", max(actions.mapped("date"))),
                ],
                order="date, id",
            )
        )
        result = {}
        for action in actions:
            action_moves = action.line_ids.move_id
            result[action.id] = [
                {
                    "date": promise.date,
                    "amount": promise.amount,
                    "currency": promise.currency_id,
                    "made": promise.action_id.date
                    or (promise.create_date and promise.create_date.date()),
                }
                for promise in promises
                if promise.move_ids & action_moves
                and promise.closed_date <= action.date
            ]
        return result

    @api.model
    def _get_history(self, actions):
        """Earlier reminders of each customer (date, level, channel), one query."""
        if not actions:
            return {}
        earlier = self.env["account.dunning.action"].search(
            [
                ("partner_id", "in", actions.partner_id.ids),
                ("company_id", "in", actions.company_id.ids),
                ("state", "in", VALIDATED_STATES),
                # the customer's answers on its page are no reminders
                ("channel", "!=", "portal"),
                ("date", "<=", max(actions.mapped("date"))),
            ],
            order="date, id",
        )
        by_partner = defaultdict(list)
        for previous in earlier:
            by_partner[previous.partner_id.id].append(previous)
        return {
            action.id: [
                previous
                for previous in by_partner[action.partner_id.id]
                if previous.id != action.id
                and previous.date <= action.date
                and previous.level_id != action.level_id
            ]
            for action in actions
        }

    # ------------------------------------------------------------
    # PRINTING A BATCH
    # ------------------------------------------------------------

    @api.model
    def _print_letters(self, actions):
        """Print the letters of `actions` as one PDF, in one wkhtmltopdf call,
        and download it.

        Letters waiting to be printed are then filed: each one's own PDF is
        attached to its reminder and posted in the chatter, and it is marked
        done. Printing again later gives the same letters without filing twice.
        """
        letters = actions.sorted(lambda a: (a.partner_id.display_name or "", a.id))
        pdf = self._render_letters_pdf(letters)
        to_file = letters.filtered(
            lambda a: a.state == "to_send" or not a.letter_attachment_id
        )
        if to_file:
            parts = self._split_letters_pdf(letters, pdf)
            self._file_letters({a: parts[a] for a in to_file})
        batch = self.env["ir.attachment"].create(
            {
                "name": self.env._(
                    "Reminder letters %(date)s.pdf",
                    date=fields.Date.context_today(self).isoformat(),
                ),
                "raw": pdf,
                "mimetype": "application/pdf",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{batch.id}?download=true",
            "target": "download",
        }

    @api.model
    def _render_letters_pdf(self, actions):
        pdf, _report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            LETTER_REPORT, actions.ids
        )
        return pdf

    @api.model
    def _split_letters_pdf(self, actions, pdf):
        """Each letter's pages, found by its reference on its first page; when a
        reference cannot be read back, those letters are rendered one by one."""
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        page_count = len(reader.pages)
        by_reference = {action._get_letter_reference(): action for action in actions}
        starts = {}
        for index, text in enumerate(self._pdf_pages_text(pdf, reader)):
            for reference in re.findall(r"RL-\d{8}", re.sub(r"\s+", "", text)):
                action = by_reference.get(reference)
                if action and action not in starts:
                    starts[action] = index
        ordered = [action for action in actions if action in starts]
        if [starts[a] for a in ordered] != sorted(starts.values()):
            ordered = []
        parts = {}
        bounds = [starts[a] for a in ordered] + [page_count]
        for position, action in enumerate(ordered):
            writer = PdfFileWriter()
            for index in range(bounds[position], bounds[position + 1]):
                writer.add_page(reader.pages[index])
            stream = io.BytesIO()
            writer.write(stream)
            parts[action] = stream.getvalue()
        missing = actions.filtered(lambda a: a not in parts)
        if missing:
            _logger.warning(
                "Letters %s not found in the batch PDF, rendered one by one",
                missing.ids,
            )
            for action in missing:
                parts[action] = self._render_letters_pdf(action)
        return parts

    @api.model
    def _pdf_pages_text(self, pdf, reader):
        """Text of each page: poppler's pdftotext reads 500 pages in a second,
        the pure-Python reader (fallback) takes most of a second per page."""
        try:
            result = subprocess.run(
                ["pdftotext", "-", "-"],
                input=pdf,
                capture_output=True,
                check=True,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError):
            return [page.extract_text() or "" for page in reader.pages]
        return result.stdout.decode("utf-8", "replace").split("\f")

    @api.model
    def _file_letters(self, parts):
        """Attach each letter to its reminder, post it in the reminder's and the
        customer's chatter (one batch of records, no notification) and mark the
        letters printed."""
        actions = self.env["account.dunning.action"].browse(
            [action.id for action in parts]
        )
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": "%s - %s.pdf"  # noqa: UP031
                    % (action._get_letter_reference(), action.partner_id.name),
                    "raw": parts[action],
                    "mimetype": "application/pdf",
                    "res_model": actions._name,
                    "res_id": action.id,
                }
                for action in actions
            ]
        )
        note = self.env.ref("mail.mt_note")
        author = self.env.user.partner_id
        messages = []
        for action, attachment in zip(actions, attachments, strict=True):
            action.letter_attachment_id = attachment
            body = Markup("<p>%s</p>") % self.env._(
                "Letter “%(level)s” printed (%(reference)s).",
                level=action.level_id.name,
                reference=action._get_letter_reference(),
            )
            for model, res_id in (
                (actions._name, action.id),
                ("res.partner", action.partner_id.id),
            ):
                messages.append(
                    {
                        "model": model,
                        "res_id": res_id,
                        "body": body,
                        "message_type": "comment",
                        "subtype_id": note.id,
                        "author_id": author.id,
                        "attachment_ids": [Command.link(attachment.id)],
                    }
                )
        self.env["mail.message"].create(messages)
        actions.filtered(lambda a: a.state == "to_send").state = "done"

    @api.model
    def _get_period_texts(self, periods, currency, lang):
        """ "1 200,00 € × 12,15 % × 85 j": each period of interest as the
        letter's reader writes numbers, in the customer's language."""
        env = self.with_context(lang=lang).env
        return [
            env._(
                "%(base)s × %(rate)s %% × %(days)s d",
                base=formatLang(env, base, currency_obj=currency),
                rate=formatLang(env, rate, digits=2),
                days=days,
            )
            for _first, _last, days, base, rate in periods
        ]
