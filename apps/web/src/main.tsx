import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRootRoute, createRoute, createRouter, Outlet, RouterProvider, redirect } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Layout } from './layout.js';
import { ContactsPage } from './pages/contacts.js';
import { CustomerPage } from './pages/customer.js';
import { CustomersPage } from './pages/customers.js';
import { EditCustomerPage } from './pages/edit-customer.js';
import { ImportPage } from './pages/import.js';
import { NewCustomerPage } from './pages/new-customer.js';
import { SignInPage } from './pages/sign-in.js';
import { UsersPage } from './pages/users.js';
import { WebhooksPage } from './pages/webhooks.js';
import { signedIn } from './session.js';

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 5_000 } } });

const root = createRootRoute({ component: () => <Outlet /> });
const signIn = createRoute({ getParentRoute: () => root, path: '/sign-in', component: SignInPage });
/** Every page but the sign-in form needs a session. */
const app = createRoute({
  getParentRoute: () => root,
  id: 'app',
  component: Layout,
  beforeLoad: async () => {
    if (!(await signedIn())) throw redirect({ to: '/sign-in' });
  },
});
const customers = createRoute({ getParentRoute: () => app, path: '/', component: CustomersPage });
const contacts = createRoute({ getParentRoute: () => app, path: '/contacts', component: ContactsPage });
const newCustomer = createRoute({ getParentRoute: () => app, path: '/customers/new', component: NewCustomerPage });
const customer = createRoute({ getParentRoute: () => app, path: '/customers/$id', component: CustomerPage });
const editCustomer = createRoute({
  getParentRoute: () => app,
  path: '/customers/$id/edit',
  component: EditCustomerPage,
});
const users = createRoute({ getParentRoute: () => app, path: '/users', component: UsersPage });
const webhooks = createRoute({ getParentRoute: () => app, path: '/webhooks', component: WebhooksPage });
const importPage = createRoute({ getParentRoute: () => app, path: '/import', component: ImportPage });

const router = createRouter({
  routeTree: root.addChildren([
    signIn,
    app.addChildren([customers, newCustomer, customer, editCustomer, contacts, importPage, users, webhooks]),
  ]),
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
