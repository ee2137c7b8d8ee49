import type { ClusterBus, ControlMessage, ControlOrigin } from '../../src/events/cluster-bus.js';

type Listener = (message: ControlMessage, origin: ControlOrigin) => void;

/**
 * Several nodes' buses in one process: what one sends, every bus of the
 * hub delivers to its listeners on the next turn (as Redis pub/sub would),
 * the sender's own included. `shared` is true: each bus stands for a node
 * of a cluster. For unit tests of code above the ClusterBus contract.
 */
export function testBusHub() {
  const listeners = new Set<Listener>();
  return {
    /** the bus of node `nodeName` */
    bus(nodeName: string): ClusterBus {
      return {
        nodeName,
        shared: true,
        send(message) {
          // a copy through JSON, as it would cross the wire
          const copy = JSON.parse(JSON.stringify(message)) as ControlMessage;
          setImmediate(() => {
            for (const listener of [...listeners]) listener(copy, { from: nodeName });
          });
        },
        onControl(listener) {
          listeners.add(listener);
          return () => void listeners.delete(listener);
        },
      };
    },
  };
}
