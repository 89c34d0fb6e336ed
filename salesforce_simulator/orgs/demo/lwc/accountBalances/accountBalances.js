import { LightningElement, api, wire } from 'lwc';
import getBalances from '@salesforce/apex/AccountBalanceController.getBalances';

const COLUMNS = [
    { label: 'Account', fieldName: 'Name' },
    { label: 'Type', fieldName: 'FinServ__FinancialAccountType__c' },
    { label: 'Account Number', fieldName: 'FinServ__FinancialAccountNumber__c' },
    { label: 'Routing Number', fieldName: 'FinServ__RoutingNumber__c' },
    { label: 'Balance', fieldName: 'FinServ__Balance__c', type: 'currency' },
    { label: 'Status', fieldName: 'FinServ__Status__c' }
];

export default class AccountBalances extends LightningElement {
    @api recordId;
    columns = COLUMNS;
    accounts = [];
    error;

    @wire(getBalances, { accountId: '$recordId' })
    wiredBalances({ data, error }) {
        this.accounts = data || [];
        this.error = error;
    }

    get totalBalance() {
        return this.accounts.reduce((sum, account) => sum + (account.FinServ__Balance__c || 0), 0);
    }
}
