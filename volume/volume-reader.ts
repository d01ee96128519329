// The contract for reading how many events were sent to Snowplow for a flag on a day.
export interface VolumeReading {
  day: string;
  count: number;
  key: string;
}

export interface VolumeReader {
  /** Events sent behind `flag` on the UTC day containing `at`. */
  read(flag: string, at: Date): Promise<VolumeReading>;
}
