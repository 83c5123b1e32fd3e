/** The sidebar's line icons (24×24, stroke). */
const paths = {
  calls: 'M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2',
  agents: 'M12 3a4 4 0 1 1 0 8 4 4 0 0 1 0-8M4 21v-1a6 6 0 0 1 6-6h4a6 6 0 0 1 6 6v1',
  numbers: 'M5 9h14M5 15h14M10 4 8 20M16 4l-2 16',
  telephony: 'M4 7h16v10H4zM4 7l8 6 8-6',
  system: 'M3 12h4l3-8 4 16 3-8h4',
  key: 'M15 7a4 4 0 1 1-3.9 5H4v3M8 12v3',
} as const;

export type IconName = keyof typeof paths;

export function Icon(props: { name: IconName }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width="18"
      height="18"
      fill="none"
      stroke="currentColor"
      stroke-width="1.8"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
    >
      <path d={paths[props.name]} />
    </svg>
  );
}
