/** @odoo-module */

import { registry } from "@web/core/registry";

// The customer opens the link of its reminder email (no login): it sees its
// three open invoices, downloads a PDF, promises to pay the oldest one,
// disputes the second one and pays the third one with Odoo's demo provider.

function addDays(isoDate, days) {
    const date = new Date(`${isoDate}T12:00:00Z`);
    date.setUTCDate(date.getUTCDate() + days);
    return date.toISOString().slice(0, 10);
}

registry.category("web_tour.tours").add("account_dunning_portal_tour", {
    steps: () => [
        {
            content: "The customer sees its three open invoices",
            trigger: ".o_dunning_invoices tbody:has(tr.o_dunning_invoice:nth-child(3))",
        },
        {
            content: "and what it owes",
            trigger: ".o_dunning_total_due:contains('1,800.00')",
        },
        {
            content: "Download the PDF of the oldest invoice",
            trigger: ".o_dunning_invoice:first-child .o_dunning_invoice_pdf",
            async run() {
                const response = await fetch(this.anchor.href);
                if (!response.ok) {
                    throw new Error(`The invoice could not be downloaded: ${response.status}`);
                }
                if (!(await response.blob()).size) {
                    throw new Error("The invoice downloaded is empty");
                }
            },
        },
        // I will pay on
        {
            content: "Open 'I will pay on'",
            trigger: ".o_dunning_open_promise",
            run: "click",
        },
        {
            content: "Not the second invoice",
            trigger: "#o_dunning_promise.show fieldset > div.form-check:nth-of-type(2) input",
            run: "uncheck",
        },
        {
            content: "Not the third one",
            trigger: "#o_dunning_promise.show fieldset > div.form-check:nth-of-type(3) input",
            run: "uncheck",
        },
        {
            content: "Pay in a week",
            trigger: "#o_dunning_promise_date",
            run() {
                this.anchor.value = addDays(this.anchor.min, 7);
            },
        },
        {
            content: "The whole invoice",
            trigger: "#o_dunning_promise_amount",
            run: "edit 1000",
        },
        {
            content: "Promise",
            trigger: ".o_dunning_send_promise",
            run: "click",
        },
        {
            content: "The promise is recorded",
            trigger: ".o_dunning_done:contains('promise of payment is recorded')",
        },
        {
            content: "and listed with what the customer said",
            trigger: ".o_dunning_said:contains('Payment promised for')",
        },
        // I dispute
        {
            content: "Open 'I dispute an invoice'",
            trigger: ".o_dunning_open_dispute",
            run: "click",
        },
        {
            content: "The second invoice",
            trigger: "#o_dunning_dispute.show fieldset > div.form-check:nth-of-type(2) input",
            run: "check",
        },
        {
            content: "Its price is wrong",
            trigger: "#o_dunning_dispute_reason",
            run: "selectByLabel The price",
        },
        {
            content: "Explain",
            trigger: "#o_dunning_dispute_message",
            run: "edit The unit price is not the one of the quote.",
        },
        {
            content: "Send the dispute",
            trigger: ".o_dunning_send_dispute",
            run: "click",
        },
        {
            content: "The dispute is recorded",
            trigger: ".o_dunning_done:contains('Your dispute is recorded')",
        },
        // Pay online
        {
            content: "Open 'Pay online'",
            trigger: ".o_dunning_open_pay",
            run: "click",
        },
        {
            content: "Not the oldest invoice (promised)",
            trigger: "#o_dunning_pay.show fieldset > div.form-check:nth-of-type(1) input",
            run: "uncheck",
        },
        {
            content: "Not the second (disputed)",
            trigger: "#o_dunning_pay.show fieldset > div.form-check:nth-of-type(2) input",
            run: "uncheck",
        },
        {
            content: "The third one",
            trigger: "#o_dunning_pay.show fieldset > div.form-check:nth-of-type(3) input",
            run: "check",
        },
        {
            content: "Pay these invoices",
            trigger: ".o_dunning_pay_update",
            run: "click",
        },
        {
            content: "The amount is the third invoice's",
            trigger: "#o_dunning_pay.show .o_dunning_pay_amount:contains('300.00')",
        },
        {
            content: "Card details of the demo provider",
            trigger: "#o_dunning_pay.show #customer_input",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "#o_dunning_pay.show button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
        {
            content: "Back on the customer's page, thanked",
            trigger: ".o_dunning_done:contains('Thank you for your payment')",
            timeout: 30000,
        },
        {
            content: "Two invoices are left",
            trigger: ".o_dunning_invoices tbody:not(:has(tr.o_dunning_invoice:nth-child(3)))",
        },
    ],
});

// The page on a phone (390 px wide): everything fits the width.
registry.category("web_tour.tours").add("account_dunning_portal_phone_tour", {
    steps: () => [
        {
            content: "The invoices are listed",
            trigger: ".o_dunning_invoices tbody:has(tr.o_dunning_invoice)",
        },
        {
            content: "Open 'I will pay on'",
            trigger: ".o_dunning_open_promise",
            run: "click",
        },
        {
            content: "Its form shows and nothing is wider than the screen",
            trigger: "#o_dunning_promise.show .o_dunning_send_promise",
            run() {
                const width = document.documentElement.clientWidth;
                if (width > 400) {
                    throw new Error(`The page is ${width} px wide, not a phone's`);
                }
                if (document.documentElement.scrollWidth > width) {
                    throw new Error(
                        `The page scrolls sideways: ${document.documentElement.scrollWidth} px for ${width}`
                    );
                }
                const table = document.querySelector(".o_dunning_invoices");
                if (table.getBoundingClientRect().width > width) {
                    throw new Error("The table of invoices is wider than the screen");
                }
            },
        },
    ],
});
