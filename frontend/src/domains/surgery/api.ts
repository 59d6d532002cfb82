import { data, surgeryListRooms, surgeryOrSchedule } from '@/api/client'
import type { RoomRead, ScheduleRow } from '@/api/client'

export type { RoomRead, ScheduleRow }

export function orSchedule(day: string): Promise<ScheduleRow[]> {
  return data(surgeryOrSchedule({ query: { day } }))
}
export function orRooms(): Promise<RoomRead[]> {
  return data(surgeryListRooms())
}
