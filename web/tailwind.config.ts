import type { Config } from "tailwindcss";

import { colors, fonts, radii, spacing } from "./src/theme/tokens";

export default {
  content: ["./index.html", "./src/**/*.{ts,tsx}"],
  theme: {
    extend: {
      colors,
      spacing,
      borderRadius: radii,
      fontFamily: { sans: [...fonts.sans] },
    },
  },
  plugins: [],
} satisfies Config;
