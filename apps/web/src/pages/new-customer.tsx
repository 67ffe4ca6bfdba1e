import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { WriteAccess } from '../access.js';
import { CustomerForm } from '../customer/form.js';
import { useFeedback } from '../feedback.js';
import { ccm } from '../session.js';
import { write } from '../write.js';

/** A new customer: the server checks every field and answers each one's messages, shown next to it. */
export function NewCustomerPage() {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const feedback = useFeedback();
  return (
    <section aria-labelledby="new-customer-heading">
      <h1 id="new-customer-heading">New customer</h1>
      <WriteAccess>
        <CustomerForm
          action="Create customer"
          cancel={<Link to="/">Cancel</Link>}
          save={async (body) => {
            const { message, data } = await write<{ id: number }>(
              'customers.create',
              ccm.raw.customers.create({ body }),
            );
            await queries.invalidateQueries({ queryKey: ['customers'] });
            await navigate({ to: '/customers/$id', params: { id: String(data.id) } });
            feedback.say(message);
          }}
        />
      </WriteAccess>
    </section>
  );
}
