import { it } from 'vitest';
import { createCustomer } from './support/factories.js';
import { startTestServer } from './support/server.js';
it('probe', async () => {
  const t = await startTestServer();
  const g = await createCustomer(t.staff);
  for (const body of [
    { contacts: [{ customer: g.id, email: 'g1@example.com', wa_number: '0779990001', tp_number: '0119990001' }] },
    { contacts: [{ customer: g.id, email: 'g2@example.com', wa_number: '0771234567', tp_number: '0112345678' }] },
  ]) {
    const r = await t.staff.post('/api/contacts/bulk-create/', body); console.log(r.status, r.text);
  }
  await t.close();
});
