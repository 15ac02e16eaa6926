"""One frame for a page everywhere: the page as displayed (S16).

A PDF page has a CropBox in its own user space and a /Rotate that turns it clockwise for
display. The API, the page images, the signing service's box checks and the stamper all
use the displayed picture: PDF points, origin at its top-left corner, y downward. This
module holds that frame and the one matrix that maps it back into user space.
"""

from pydantic import BaseModel


class PageGeometry(BaseModel):
    """A page as the user sees it: `width`/`height` after /Rotate, relative to the
    CropBox `crop_box` = (left, bottom, right, top) in user space."""

    width: float
    height: float
    rotation: int = 0
    crop_box: tuple[float, float, float, float] | None = None

    @classmethod
    def of_box(cls, box: tuple[float, float, float, float], rotation: int) -> "PageGeometry":
        left, bottom, right, top = box
        rotation %= 360
        width, height = right - left, top - bottom
        if rotation in (90, 270):
            width, height = height, width
        return cls(width=width, height=height, rotation=rotation, crop_box=box)

    def to_user_space(self) -> tuple[float, float, float, float, float, float]:
        """Matrix from the displayed frame (origin bottom-left, y up) to user space.

        /Rotate turns the page clockwise for display; each case inverts that turn and
        moves the origin to the right CropBox corner.
        """
        left, bottom, right, top = self.crop_box or (0.0, 0.0, self.width, self.height)
        return {
            0: (1, 0, 0, 1, left, bottom),
            90: (0, 1, -1, 0, right, bottom),
            180: (-1, 0, 0, -1, right, top),
            270: (0, -1, 1, 0, left, top),
        }[self.rotation]
