import type { WaltNode } from '../../api/v1alpha1/index.js';
import { nodeKernelArgs } from './kernel-args.js';

function node(spec: Partial<WaltNode['spec']>): WaltNode {
  return {
    metadata: { name: 'n' },
    spec: { mac: '52:54:00:00:00:01', model: 'pc-x86-64', segment: 's', ...spec },
  } as WaltNode;
}

describe('nodeKernelArgs', () => {
  it('adds nothing for a physical node with default settings', () => {
    expect(nodeKernelArgs(node({}))).toEqual([]);
  });

  it('puts the console of a virtual node on its serial port', () => {
    expect(nodeKernelArgs(node({ virtual: { cpus: 1, memory: '512Mi' } }))).toEqual(['console=ttyS0,115200']);
  });

  it('passes a hybrid boot mode and a disabled /persist to the node init', () => {
    const args = nodeKernelArgs(
      node({
        bootMode: 'hybrid-volatile',
        settings: { mountPersist: false } as WaltNode['spec']['settings'],
      }),
    );
    expect(args).toEqual(['walt.bootmode=hybrid-volatile', 'walt.persist=0']);
  });
});
