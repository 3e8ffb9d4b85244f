import { MetricsServer, ServiceMetrics } from './metrics';

describe('metrics endpoint', () => {
  it('serves the gRPC latency histogram in Prometheus text format', async () => {
    const metrics = new ServiceMetrics('test', { defaultMetrics: false });
    metrics.grpcServerHandlingSeconds.observe({ service: 'shopsense.x.v1.X', method: 'Do', code: 'OK' }, 0.02);
    const server = new MetricsServer(metrics.registry);
    const port = await server.start(0, '127.0.0.1');
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      // No keep-alive: a client never reuses a socket the server is about to close.
      expect(response.headers.get('connection')).toBe('close');
      const body = await response.text();
      expect(body).toContain('grpc_server_handling_seconds_bucket{le="0.025",app="shopsense",component="test",service="shopsense.x.v1.X",method="Do",code="OK"} 1');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
