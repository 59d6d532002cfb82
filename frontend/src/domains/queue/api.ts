import { data, schedulingCallNext, schedulingComplete, schedulingGetQueue, schedulingRecall, schedulingSkip } from '@/api/client'
import type { AppointmentRead } from '@/api/client'
import type { SessionState } from './types'

export type QueueAction = 'call-next' | 'recall' | 'skip' | 'complete'

const CALLS = {
  'call-next': schedulingCallNext,
  recall: schedulingRecall,
  skip: schedulingSkip,
  complete: schedulingComplete,
} as const

export async function getQueue(sessionId: string): Promise<SessionState> {
  return (await data(schedulingGetQueue({ path: { session_id: sessionId } }))) as unknown as SessionState
}

/** call next / recall / skip / complete; the answer is the appointment acted on (the queue is pushed on the topic). */
export function queueAction(sessionId: string, action: QueueAction): Promise<AppointmentRead> {
  return data(CALLS[action]({ path: { session_id: sessionId } }))
}
