import { Global, Injectable, Logger, Module } from '@nestjs/common';

/** What changed, so the updates module can build new configuration revisions. */
export interface ChangeEvent {
  reason: string;
  serviceIds?: string[];
  serverIds?: string[];
  agentIds?: string[];
}

type Listener = (e: ChangeEvent) => Promise<void> | void;

/**
 * Decouples the modules that change the inventory from the updates module that turns
 * changes into revisions. Emit only after the transaction has committed.
 */
@Injectable()
export class ChangeBus {
  private readonly logger = new Logger(ChangeBus.name);
  private readonly listeners: Listener[] = [];

  subscribe(l: Listener): void {
    this.listeners.push(l);
  }

  async emit(e: ChangeEvent): Promise<void> {
    for (const l of this.listeners) {
      try {
        await l(e);
      } catch (err) {
        // A lost notification is healed by the periodic rebuild; never fail the caller's request.
        this.logger.warn({ err, reason: e.reason }, 'change listener failed');
      }
    }
  }
}

@Global()
@Module({ providers: [ChangeBus], exports: [ChangeBus] })
export class ChangeBusModule {}
