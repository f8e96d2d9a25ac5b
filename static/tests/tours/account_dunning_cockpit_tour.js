/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The credit manager's morning, in French: the dashboard, the invoices over
// 90 days behind its bar, then the work queue and its next action.
registry.category("web_tour.tours").add("account_dunning_cockpit_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Invoicing"),
        {
            content: "Open the Customers menu of Invoicing",
            trigger: "button[data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content: "Reminders > Dashboard, in French",
            trigger: ".dropdown-menu_group:contains('Tableau de bord')",
        },
        {
            content: "Open the amount due by age",
            trigger: "a[data-menu-xmlid='account_dunning.account_dunning_report_aging_menu']:contains('Montant dû par ancienneté')",
            run: "click",
        },
        {
            content: "The dashboard opens on its chart",
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Keep the bucket over 90 days",
            trigger: ".o_filter_menu .o-dropdown-item:contains('Plus de 90 jours')",
            run: "click",
        },
        {
            content: "See the figures in a table",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "Click the amount over 90 days",
            trigger: ".o_pivot .o_pivot_cell_value:not(:empty)",
            run: "click",
        },
        {
            content: "The invoices behind the figure: the customer 120 days late",
            trigger: ".o_list_view .o_data_row:contains('Client Cockpit')",
        },
        {
            content: "Open the Customers menu again",
            trigger: "button[data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content: "Open the work queue",
            trigger: "a[data-menu-xmlid='account_dunning.account_dunning_queue_menu']:contains('À relancer')",
            run: "click",
        },
        {
            content: "The queue opens on the work to do",
            trigger: ".o_searchview_facet:contains('À faire')",
        },
        {
            content: "The customer's next action: a call",
            trigger: ".o_data_row:contains('Client Cockpit') td[name='next_action']:contains('Appel')",
        },
        {
            content: "Do it from the row",
            trigger: ".o_data_row:contains('Client Cockpit') button[name='action_do_next']:contains('Faire')",
            run: "click",
        },
        {
            content: "The call log opens: the customer was reached",
            trigger: ".modal .o_form_view .o_field_widget[name='partner_id']:contains('Client Cockpit')",
        },
        {
            content: "Confirm the call",
            trigger: ".modal-footer button[name='action_confirm']:contains('Confirmer')",
            run: "click",
        },
        {
            content: "The call is done: the next action is the next reminder",
            trigger: ".o_data_row:contains('Client Cockpit') td[name='next_action']:contains('Relancer')",
        },
    ],
});
