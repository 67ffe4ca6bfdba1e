import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { WriteAccess } from '../access.js';
import { CustomerForm } from '../customer/form.js';
import { useFeedback } from '../feedback.js';
import { ccm } from '../session.js';
import { write } from '../write.js';
import { customerQuery } from './customer.js';

/**
 * A customer's fields to change, saved with `If-Match` of the version the form started from: a change by someone
 * else meanwhile is refused (412) and the form offers to reload the customer as it is now.
 */
export function EditCustomerPage() {
  const id = Number(useParams({ from: '/app/customers/$id/edit' }).id);
  const navigate = useNavigate();
  const queries = useQueryClient();
  const feedback = useFeedback();
  const customer = useQuery(customerQuery(id));
  const params = { id: String(id) };
  const current = customer.data;
  return (
    <section aria-labelledby="edit-customer-heading">
      <h1 id="edit-customer-heading">Edit customer</h1>
      {customer.error && <p className="error">{(customer.error as Error).message}</p>}
      <WriteAccess>
        {current && (
          <CustomerForm
            // A reload starts the form again from the customer as it is now.
            key={current.etag}
            initial={current}
            action="Save customer"
            cancel={
              <Link to="/customers/$id" params={params}>
                Cancel
              </Link>
            }
            reload={() => void customer.refetch()}
            save={async (body) => {
              const { message } = await write(
                'customers.update',
                ccm.raw.customers.update({ params, body, ifMatch: current.etag }),
              );
              await Promise.all([
                queries.invalidateQueries({ queryKey: ['customer', id] }),
                queries.invalidateQueries({ queryKey: ['customers'] }),
                queries.invalidateQueries({ queryKey: ['contacts'] }),
              ]);
              await navigate({ to: '/customers/$id', params });
              feedback.say(message);
            }}
          />
        )}
      </WriteAccess>
    </section>
  );
}
