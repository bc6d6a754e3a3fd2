// Fault injection shared by the test servers. A test asks for faults with
// POST /__fail?method=PATCH&status=503&count=2[&retryAfter=1]: the next
// `count` requests with that method answer `status` without reaching the
// real server. GET /__faults tells how many are still to come: {"pending":n}.

export function faultInjector(headers = {}) {
  const faults = [];
  return {
    /** Answers fault requests and injected faults; true when it answered. */
    handle(req, res, url) {
      if (url.pathname === '/__faults') {
        const pending = faults.reduce((sum, f) => sum + f.count, 0);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ pending }));
        return true;
      }
      if (url.pathname === '/__fail') {
        faults.push({
          method: url.searchParams.get('method'),
          status: Number(url.searchParams.get('status')),
          count: Number(url.searchParams.get('count') ?? '1'),
          retryAfter: url.searchParams.get('retryAfter'),
        });
        res.writeHead(204).end();
        return true;
      }
      const fault = faults.find((f) => f.method === req.method && f.count > 0);
      if (!fault) return false;
      fault.count -= 1;
      const answer = { ...headers };
      if (fault.retryAfter) answer['Retry-After'] = fault.retryAfter;
      // Drain the body so the client sees the status, not a reset.
      req.resume();
      req.on('end', () => res.writeHead(fault.status, answer).end(`injected ${fault.status}`));
      return true;
    },
  };
}
